import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import { normalizeEmail } from "../domain/email.js";
import { UserEntity } from "../store/user-entity.js";
import { findUserByEmail } from "../store/user-repository.js";

export type PlatformAdminChange = "grant" | "revoke";

/** What a grant or revocation did. */
export interface PlatformAdminOutcome {
  userId: string;
  email: string;
  /** False when the user already was (or was not) a platform admin by grant. */
  changed: boolean;
}

/**
 * Grants or revokes the platform-admin flag of an existing account, and records who did it in
 * `tenant.platform_admin_changes` in the same transaction (only the owner role may write there). A
 * grant needs no verified email: the operator vouches for the person.
 */
export async function changePlatformAdmin(
  em: EntityManager,
  change: { action: PlatformAdminChange; email: string; operator: string; at: Date },
): Promise<PlatformAdminOutcome | undefined> {
  const user = await findUserByEmail(em, normalizeEmail(change.email));
  if (user === null) return undefined;
  const wanted = change.action === "grant";
  if (user.platformAdmin === wanted) return { userId: user.id, email: user.email, changed: false };
  user.platformAdmin = wanted;
  user.updatedAt = change.at;
  await em.execute(
    `insert into tenant.platform_admin_changes (id, user_id, email, action, operator, occurred_at)
       values (?, ?, ?, ?, ?, ?)`,
    [newId(), user.id, user.email, change.action, change.operator, change.at],
    "run",
  );
  return { userId: user.id, email: user.email, changed: true };
}

/** The accounts granted platform admin, by email. */
export async function listGrantedPlatformAdmins(
  em: EntityManager,
): Promise<Array<{ email: string; verified: boolean }>> {
  const rows = await em.find(UserEntity, { platformAdmin: true }, { orderBy: { email: "asc" } });
  return rows.map((u) => ({ email: u.email, verified: u.emailVerifiedAt != null }));
}
