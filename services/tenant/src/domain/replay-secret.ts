import { PreconditionError } from "./precondition-error.js";
import type { SecretBox } from "./secret-box.js";

// An answer kept for the retries of a request_id (AIP-155) may carry a secret shown only once (a
// new API key, a web channel's identity secret). It is kept sealed like every secret at rest, bound
// to the tenant and the request, and opened again when answered.

const context = (tenantId: string, requestId: string) => `atendo.tenant.replay:${tenantId}:${requestId}`;

/** `<key id>:<base64url ciphertext>`, or "" for no secret. */
export function sealForReplay(box: SecretBox, secret: string, tenantId: string, requestId: string): string {
  if (secret === "") return "";
  const sealed = box.seal(secret, context(tenantId, requestId));
  return `${sealed.keyId}:${sealed.ciphertext.toString("base64url")}`;
}

/**
 * The secret sealForReplay sealed. A ring key dropped since then cannot open it: the answer can no
 * longer be replayed, and the caller is told to use a new request_id.
 */
export function openFromReplay(box: SecretBox, stored: string, tenantId: string, requestId: string): string {
  if (stored === "") return "";
  const at = stored.lastIndexOf(":");
  try {
    return box.open(
      { keyId: stored.slice(0, at), ciphertext: Buffer.from(stored.slice(at + 1), "base64url") },
      context(tenantId, requestId),
    );
  } catch {
    throw new PreconditionError(
      "the first answer to this request_id can no longer be opened (its encryption key was dropped); retry with a new request_id",
    );
  }
}
