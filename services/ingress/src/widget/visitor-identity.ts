import { createHmac, timingSafeEqual } from "node:crypto";
import { permissionDenied } from "@atendo/service-kit";

/** What the page says about the visitor (StartSessionRequest.visitor). */
export interface IdentityClaim {
  userId: string;
  identityHash: string;
}

/** The channel's identity settings (WebCredentials). */
export interface IdentitySettings {
  identitySecret: string;
  identityVerification: boolean;
}

/**
 * The user id the visitor proved, or undefined for an anonymous visitor. A claimed user id counts
 * only with identity_hash = hex HMAC-SHA256(identity secret, user_id), compared in constant time:
 * a wrong hash is refused; a claim without a hash is refused when the channel requires verification
 * and otherwise treated as anonymous (it never becomes the visitor id, or anyone could read that
 * user's thread by naming them).
 */
export function provenUserId(
  claim: IdentityClaim | undefined,
  settings: IdentitySettings,
): string | undefined {
  if (claim === undefined || claim.userId === "") return undefined;
  if (claim.identityHash === "") {
    if (settings.identityVerification) {
      throw permissionDenied(
        "this channel verifies identities: user_id needs identity_hash, the HMAC-SHA256 of the user id with the channel's identity secret, computed by your server",
      );
    }
    return undefined;
  }
  if (settings.identitySecret === "" || !hashMatches(settings.identitySecret, claim)) {
    throw permissionDenied("identity_hash does not match user_id for this channel's identity secret");
  }
  return claim.userId;
}

function hashMatches(secret: string, claim: IdentityClaim): boolean {
  const expected = createHmac("sha256", secret).update(claim.userId, "utf8").digest();
  // The contract admits 64 hex digits only, so the decoded length is fixed.
  const given = Buffer.from(claim.identityHash, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
