import { createRemoteJWKSet } from "jose";
import type { Logger } from "pino";
import type { TokenVerifier, VerifierClaims } from "./token-verifier.js";
import { createVerifier } from "./token-verifier.js";

export interface JwksVerifierOptions extends VerifierClaims {
  /** `${TENANT_SERVICE_URL}/.well-known/jwks.json`. */
  jwksUrl: string;
  /** Least time between two refetches caused by an unknown `kid` (a flood of forged kids costs one JWKS request per cooldown). Default 5 s. */
  cooldownMs?: number;
  /** Keys older than this are refetched in the background while the old ones keep working. Default 60 s. */
  refreshMs?: number;
  /** Per JWKS request. Default 5 s. */
  timeoutMs?: number;
  /** Background refresh failures are logged here (warn). */
  logger?: Logger;
}

/**
 * Verifies tokens with the tenant service's published keys. The key set is fetched on first use
 * and cached; a token with an unknown `kid` triggers a refetch (at most once per cooldown), so a
 * new signing key is picked up without a restart. The cached set is also refreshed in the
 * background every `refreshMs`, so a retired key stops verifying, while a tenant outage never
 * stops verification with the keys already known.
 */
export function createJwksVerifier(options: JwksVerifierOptions): TokenVerifier {
  const refreshMs = options.refreshMs ?? 60_000;
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 5_000,
    // jose would block verification on a refetch of a stale set (and fail it when the tenant is
    // down); staleness is handled below, in the background.
    cacheMaxAge: Number.POSITIVE_INFINITY,
    timeoutDuration: options.timeoutMs ?? 5000,
  });
  let refreshedAt: number | undefined;

  const refreshIfStale = (): void => {
    const now = Date.now();
    if (refreshedAt === undefined) {
      refreshedAt = now; // the first verification loads the set itself
      return;
    }
    if (now - refreshedAt < refreshMs || remote.reloading) return;
    refreshedAt = now;
    remote.reload().catch((err: unknown) => {
      options.logger?.warn({ err }, "refreshing the token signing keys failed; using the cached ones");
    });
  };

  return createVerifier(async (header, token) => {
    refreshIfStale();
    return remote(header, token);
  }, options);
}
