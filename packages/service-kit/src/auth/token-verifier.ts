import type { JWTVerifyGetKey } from "jose";
import { errors, jwtVerify } from "jose";
import { InvalidCredentialsError } from "./auth-errors.js";
import type { TokenPrincipal } from "./principal.js";
import { principalFromClaims } from "./token-claims.js";

/** Turns a signed token into its principal. */
export interface TokenVerifier {
  /**
   * The principal of a valid token. Throws InvalidCredentialsError for a token that is not valid
   * (expired, tampered, wrong alg/typ/iss/aud, missing claims); any other error means the keys
   * could not be had (the caller should answer `unavailable`, not blame the token).
   */
  verify(token: string): Promise<TokenPrincipal>;
}

export interface VerifierClaims {
  /** Expected `iss` (AUTH_ISSUER, "atendo" by default). */
  issuer: string;
  /** Expected `aud`. Default "atendo". */
  audience?: string;
}

// docs/auth.md: clocks of the signer and the verifiers may differ by this much.
const CLOCK_TOLERANCE_S = 30;
// A JWT of ours is a few hundred bytes; anything huge is not worth parsing.
const MAX_TOKEN_CHARS = 8192;

// jose errors that mean "this token is not valid". Everything else (JWKS unreachable, timeout,
// malformed key set) is an infrastructure failure.
const INVALID_TOKEN_CODES = new Set<string>([
  errors.JWTExpired.code,
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
]);

/** A verifier over any source of keys: EdDSA only, iss/aud/exp/iat/jti/sub required, typ mapped. */
export function createVerifier(getKey: JWTVerifyGetKey, claims: VerifierClaims): TokenVerifier {
  const options = {
    algorithms: ["EdDSA"],
    issuer: claims.issuer,
    audience: claims.audience ?? "atendo",
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ["exp", "iat", "jti", "sub"],
  };
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_CHARS) throw new InvalidCredentialsError("token too long");
      let verified: Awaited<ReturnType<typeof jwtVerify>>;
      try {
        verified = await jwtVerify(token, getKey, options);
      } catch (e) {
        if (e instanceof errors.JOSEError && INVALID_TOKEN_CODES.has(e.code)) {
          throw new InvalidCredentialsError(e.code, { cause: e });
        }
        throw e;
      }
      return principalFromClaims(verified.protectedHeader.typ, verified.payload);
    },
  };
}
