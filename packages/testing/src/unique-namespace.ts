import { randomBytes } from "node:crypto";

/**
 * A short random id (`<prefix>_<10 hex>`) that keeps one test's NATS streams, subjects and Redis keys
 * apart from every other test's. Letters, digits and `_` only: valid in stream names and subject tokens.
 */
export function uniqueNamespace(prefix = "t"): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix)) {
    throw new Error(
      `namespace prefix must start with a letter and hold only letters, digits and _: "${prefix}"`,
    );
  }
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}
