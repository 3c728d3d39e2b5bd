import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import { type TokenPair, TokenPairSchema } from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { newOpaqueToken, sha256 } from "../domain/opaque-token.js";
import { roleToToken } from "../domain/roles.js";
import { accessTokenSpec } from "../domain/token-claims.js";
import { ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S } from "../domain/token-lifetimes.js";
import type { MembershipEntity } from "../store/membership-entity.js";
import { RefreshTokenEntity } from "../store/refresh-token-entity.js";
import type { UserEntity } from "../store/user-entity.js";
import type { TokenIssuer } from "./token-issuer.js";

const REFRESH_TOKEN_LEAD = "rt_";

export interface Sessions {
  /**
   * A token pair for a member, inside the caller's tenant transaction: a new refresh token (of
   * `familyId`, or of a new family at login) and an access token with the membership's current
   * role and workspaces.
   */
  open(
    em: EntityManager,
    s: { user: UserEntity; membership: MembershipEntity; familyId?: string },
  ): Promise<{ pair: TokenPair; refreshTokenId: string }>;
  /**
   * Users that get `padm`: granted by the operator command (the database flag), or listed in
   * PLATFORM_ADMIN_EMAILS with a verified address. A listed address nobody proved is nobody's.
   */
  isPlatformAdmin(user: PlatformAdminCandidate): boolean;
}

export interface PlatformAdminCandidate {
  email: string;
  platformAdmin: boolean;
  emailVerifiedAt?: Date | null | undefined;
}

export function createSessions(deps: {
  tokens: TokenIssuer;
  platformAdminEmails: ReadonlySet<string>;
  now: () => Date;
}): Sessions {
  const isPlatformAdmin = (user: PlatformAdminCandidate) =>
    user.platformAdmin || (user.emailVerifiedAt != null && deps.platformAdminEmails.has(user.email));
  return {
    isPlatformAdmin,
    async open(em, { user, membership, familyId }) {
      const refreshToken = newOpaqueToken(REFRESH_TOKEN_LEAD);
      const now = deps.now();
      const row = em.create(RefreshTokenEntity, {
        id: newId(),
        tenantId: membership.tenantId,
        userId: user.id,
        familyId: familyId ?? newId(),
        tokenHash: sha256(refreshToken),
        createdAt: now,
        expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_S * 1000),
        usedAt: null,
        revokedAt: null,
        replacedBy: null,
      });
      const access = await deps.tokens.sign(
        accessTokenSpec(
          {
            userId: user.id,
            tenantId: membership.tenantId,
            role: roleToToken(membership.role),
            workspaceIds: membership.workspaceIds,
            platformAdmin: isPlatformAdmin(user),
          },
          ACCESS_TOKEN_TTL_S,
        ),
      );
      const pair = create(TokenPairSchema, {
        accessToken: access.token,
        refreshToken,
        accessExpiresAt: timestampFromDate(access.expiresAt),
        refreshExpiresAt: timestampFromDate(row.expiresAt),
      });
      return { pair, refreshTokenId: row.id };
    },
  };
}
