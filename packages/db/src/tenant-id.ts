import { validate } from "uuid";

/** Thrown when a tenant id is not a UUID; the value never reaches SQL. */
export class InvalidTenantIdError extends Error {
  constructor() {
    super("invalid tenant id: expected a UUID");
    this.name = "InvalidTenantIdError";
  }
}

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && validate(value);
}

export function assertTenantId(tenantId: unknown): asserts tenantId is string {
  if (!isUuid(tenantId)) throw new InvalidTenantIdError();
}
