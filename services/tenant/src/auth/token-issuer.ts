import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { TokenSpec } from "../domain/token-claims.js";
import type { SigningKeys } from "./signing-keys.js";

/** Every token's audience (docs/auth.md). */
export const AUDIENCE = "atendo";

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

export interface TokenIssuer {
  sign(spec: TokenSpec): Promise<SignedToken>;
}

/** Signs JWTs with the active Ed25519 key: alg EdDSA, kid and typ in the header, iss/aud/iat/exp/jti. */
export function createTokenIssuer(deps: { keys: SigningKeys; issuer: string; now: () => Date }): TokenIssuer {
  return {
    async sign(spec) {
      const { kid, key } = await deps.keys.signingKey();
      const iat = Math.floor(deps.now().getTime() / 1000);
      const exp = iat + spec.ttlS;
      const token = await new SignJWT({ ...spec.claims })
        .setProtectedHeader({ alg: "EdDSA", typ: spec.typ, kid })
        .setIssuer(deps.issuer)
        .setAudience(AUDIENCE)
        .setSubject(spec.sub)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
  };
}
