import { randomBytes } from "node:crypto";

/** An email address no other test run uses (`<prefix>-<12 hex>@example.com`). */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}@example.com`;
}

/** A tenant slug no other test run uses (`<prefix>-<12 hex>`, valid for SignUp and CreateTenant). */
export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** A random password of 15 characters (the tenant service wants 10 to 128). */
export function newPassword(): string {
  return `pw-${randomBytes(9).toString("base64url")}`;
}
