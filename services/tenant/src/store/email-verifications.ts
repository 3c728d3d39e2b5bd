import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import { newOpaqueToken, sha256 } from "../domain/opaque-token.js";
import { EMAIL_VERIFICATION_TTL_S } from "../domain/token-lifetimes.js";
import { EmailVerificationEntity } from "./email-verification-entity.js";
import { UserEntity } from "./user-entity.js";

const VERIFICATION_TOKEN_LEAD = "vrf_";

/**
 * A new verification link token for the user's current address, in the caller's unit of work
 * (users and their verifications are global). Only its SHA-256 is stored.
 */
export function issueVerification(
  em: EntityManager,
  user: { id: string; email: string },
  now: Date,
): { token: string; expiresAt: Date } {
  const token = newOpaqueToken(VERIFICATION_TOKEN_LEAD);
  const expiresAt = new Date(now.getTime() + EMAIL_VERIFICATION_TTL_S * 1000);
  em.create(EmailVerificationEntity, {
    id: newId(),
    userId: user.id,
    email: user.email,
    tokenHash: sha256(token),
    createdAt: now,
    expiresAt,
    usedAt: null,
  });
  return { token, expiresAt };
}

/**
 * Redeems a token in the caller's unit of work: the user, now verified, and every open link of
 * theirs used up. Undefined for an unknown, used or expired token, or one mailed to an address the
 * account no longer has. Rows are locked, so a link works once however often it is opened at once.
 */
export async function redeemVerification(
  em: EntityManager,
  token: string,
  now: Date,
): Promise<UserEntity | undefined> {
  const row = await em.findOne(
    EmailVerificationEntity,
    { tokenHash: sha256(token) },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (row === null || row.usedAt !== null || row.expiresAt <= now) return undefined;
  const user = await em.findOne(UserEntity, { id: row.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (user === null || user.email !== row.email) return undefined;
  markVerified(user, now);
  await em.nativeUpdate(EmailVerificationEntity, { userId: user.id, usedAt: null }, { usedAt: now });
  row.usedAt = now;
  return user;
}

/** The address is proved (a link, or an invitation mailed to it): kept as the first time. */
export function markVerified(user: UserEntity, now: Date): void {
  if (user.emailVerifiedAt != null) return;
  user.emailVerifiedAt = now;
  user.updatedAt = now;
}
