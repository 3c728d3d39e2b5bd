import type { EntityManager } from "@atendo/db";
import type { AuthService, TokenPair } from "@atendo/proto/tenant/v1";
import { unauthenticated } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { LockMode } from "@mikro-orm/core";
import { sha256 } from "../domain/opaque-token.js";
import { findMembership } from "../store/member-repository.js";
import { RefreshTokenRow } from "../store/refresh-token-row.js";
import { findTenant } from "../store/tenant-repository.js";
import { findUser } from "../store/user-repository.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";
import { tenantSuspended } from "./tenant-errors.js";

const INVALID_REFRESH = "invalid or expired refresh token";

/** Revokes every live token of a family (logout, reuse of a used token, removed member). */
export async function revokeFamily(em: EntityManager, familyId: string, at: Date): Promise<void> {
  await em.execute(
    "update tenant.refresh_tokens set revoked_at = ? where family_id = ? and revoked_at is null",
    [at, familyId],
    "run",
  );
}

type Outcome =
  | { kind: "refreshed"; tokens: TokenPair; userId: string }
  | { kind: "invalid" }
  | { kind: "reused"; familyId: string; userId: string }
  | { kind: "suspended" };

/** RefreshToken (rotation with reuse detection) and Logout (revokes the family). */
export function createRefresh(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof AuthService>, "refreshToken" | "logout"> {
  const { db, identity, sessions } = deps;
  return {
    refreshToken: (req, ctx) =>
      rpc(async () => {
        const owner = await identity.refreshTokenOfHash(sha256(req.refreshToken));
        if (owner === undefined) throw unauthenticated(INVALID_REFRESH);
        // Decided inside the transaction, answered after it: a revoked family must stay revoked.
        const outcome = await db.withTenant(owner.tenantId, async (em): Promise<Outcome> => {
          const token = await em.findOne(
            RefreshTokenRow,
            { id: owner.id },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          const now = deps.now();
          if (token === null || token.revokedAt !== null || token.expiresAt <= now)
            return { kind: "invalid" };
          if (token.usedAt !== null) {
            // A used token came back: someone holds a copy. End the whole session.
            await revokeFamily(em, token.familyId, now);
            return { kind: "reused", familyId: token.familyId, userId: token.userId };
          }
          const membership = await findMembership(em, token.userId);
          const user = await findUser(em, token.userId);
          if (membership === null || user === null) {
            await revokeFamily(em, token.familyId, now);
            return { kind: "invalid" };
          }
          const tenant = await findTenant(em, owner.tenantId);
          if (tenant?.status !== "ACTIVE" && !sessions.isPlatformAdmin(user)) return { kind: "suspended" };
          const next = await sessions.open(em, { user, membership, familyId: token.familyId });
          token.usedAt = now;
          token.replacedBy = next.refreshTokenId;
          return { kind: "refreshed", tokens: next.pair, userId: user.id };
        });
        const log = withContext(deps.logger, { tenantId: owner.tenantId, correlationId: correlationOf(ctx) });
        switch (outcome.kind) {
          case "refreshed":
            log.debug({ userId: outcome.userId }, "session refreshed");
            return { tokens: outcome.tokens };
          case "reused":
            log.warn(
              { userId: outcome.userId, familyId: outcome.familyId },
              "a used refresh token was presented again: its session is revoked",
            );
            throw unauthenticated(INVALID_REFRESH);
          case "suspended":
            throw tenantSuspended();
          case "invalid":
            throw unauthenticated(INVALID_REFRESH);
        }
      }),

    logout: (req, ctx) =>
      rpc(async () => {
        // Unknown or already revoked: nothing to do, and nothing to tell.
        const owner = await identity.refreshTokenOfHash(sha256(req.refreshToken));
        if (owner === undefined) return {};
        const userId = await db.withTenant(owner.tenantId, async (em) => {
          const token = await em.findOne(RefreshTokenRow, { id: owner.id });
          if (token === null) return undefined;
          await revokeFamily(em, token.familyId, deps.now());
          return token.userId;
        });
        if (userId !== undefined) {
          withContext(deps.logger, { tenantId: owner.tenantId, correlationId: correlationOf(ctx) }).info(
            { userId },
            "logged out",
          );
        }
        return {};
      }),
  };
}

/** Revokes every live refresh token of a user in the transaction's tenant (a removed member). */
export async function revokeFamiliesOfUser(em: EntityManager, userId: string, at: Date): Promise<void> {
  await em.execute(
    "update tenant.refresh_tokens set revoked_at = ? where user_id = ? and revoked_at is null",
    [at, userId],
    "run",
  );
}
