import { createHash, timingSafeEqual } from "node:crypto";
import { inspect } from "node:util";

/** The services that may trade a credential for a service token (IssueServiceToken's `in` list). */
export const ATENDO_SERVICES = ["tenant", "ingress", "conversation", "assistant", "ai", "delivery"] as const;
export type AtendoService = (typeof ATENDO_SERVICES)[number];

const MIN_CREDENTIAL_LENGTH = 16;

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Every service's credential, kept as SHA-256 digests only: printing or serialising the object shows
 * the service names, and comparing digests takes the same time whatever the input.
 */
export class ServiceCredentials {
  readonly #digests: ReadonlyMap<string, Buffer>;
  // Compared against when the service is unknown, so that case costs the same as a wrong secret.
  readonly #decoy = digest("atendo-unknown-service");

  constructor(entries: ReadonlyArray<readonly [string, string]>) {
    this.#digests = new Map(entries.map(([service, secret]) => [service, digest(secret)]));
  }

  get services(): string[] {
    return [...this.#digests.keys()];
  }

  /** Whether `credential` is the credential of `service` (constant time in the credential). */
  verify(service: string, credential: string): boolean {
    const expected = this.#digests.get(service);
    const same = timingSafeEqual(expected ?? this.#decoy, digest(credential));
    return same && expected !== undefined;
  }

  toJSON(): string {
    return `[service credentials: ${this.services.join(", ")}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

/** The well-known credentials of local development: never accepted in production. */
export function devServiceCredentials(): Array<[string, string]> {
  return ATENDO_SERVICES.map((s) => [s, `dev-service-credential-${s}`]);
}

/**
 * Parses `"<service>:<secret>,..."`. Messages name the entry and the service, never the secret.
 */
export function parseServiceCredentials(spec: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [i, part] of spec.split(",").entries()) {
    const entry = part.trim();
    const colon = entry.indexOf(":");
    if (colon < 0) throw new Error(`entry ${i + 1} is not "<service>:<secret>"`);
    const service = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (!(ATENDO_SERVICES as readonly string[]).includes(service)) {
      throw new Error(
        `entry ${i + 1} names an unknown service "${service}": use ${ATENDO_SERVICES.join(", ")}`,
      );
    }
    if (entries.some(([s]) => s === service)) throw new Error(`service "${service}" is listed twice`);
    if (secret.length < MIN_CREDENTIAL_LENGTH) {
      throw new Error(`the credential of "${service}" is shorter than ${MIN_CREDENTIAL_LENGTH} characters`);
    }
    entries.push([service, secret]);
  }
  return entries;
}
