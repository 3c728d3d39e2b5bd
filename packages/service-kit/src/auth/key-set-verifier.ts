import type { JSONWebKeySet } from "jose";
import { createLocalJWKSet } from "jose";
import type { TokenVerifier, VerifierClaims } from "./token-verifier.js";
import { createVerifier } from "./token-verifier.js";

export interface KeySetVerifierOptions extends VerifierClaims {
  /** The current public key set; return the same object while it has not changed (it is reused). */
  keys: () => Promise<JSONWebKeySet>;
}

/** Verifies tokens with keys held in process (the tenant service checks its own tokens without HTTP). */
export function createKeySetVerifier(options: KeySetVerifierOptions): TokenVerifier {
  let cached: { jwks: JSONWebKeySet; local: ReturnType<typeof createLocalJWKSet> } | undefined;
  return createVerifier(async (header, token) => {
    const jwks = await options.keys();
    if (cached?.jwks !== jwks) cached = { jwks, local: createLocalJWKSet(jwks) };
    return cached.local(header, token);
  }, options);
}
