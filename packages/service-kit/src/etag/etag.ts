import { createHash } from "node:crypto";
import { etagMismatch } from "../errors/common-errors.js";

// AIP-154: a resource's `etag` changes with every change of it; an update or delete that carries
// the etag the client read succeeds only if nobody changed the resource since.

/** The etag of a resource's current state, from what changes with it (a version, updated_at). */
export function etagOf(...parts: ReadonlyArray<string | number | bigint | Date>): string {
  const text = parts.map((p) => (p instanceof Date ? p.toISOString() : String(p))).join("\u0000");
  return `W/"${createHash("sha256").update(text).digest("base64url").slice(0, 16)}"`;
}

/**
 * Refuses a change made from a stale read: `requested` is the etag the client sent ("" means
 * unconditional), `current` the resource's etag now. Mismatch: `aborted` ETAG_MISMATCH.
 */
export function assertEtag(requested: string, current: string, what: string, id: string): void {
  if (requested !== "" && requested !== current) throw etagMismatch(what, id);
}
