import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A person who can log in (global: memberships tie users to tenants). */
export const UserEntity = defineEntity({
  name: "UserEntity",
  tableName: "users",
  properties: {
    id: p.uuid().primary(),
    /** Lowercased (domain/email.ts). */
    email: p.text(),
    name: p.text(),
    /** argon2id PHC string. */
    passwordHash: p.text(),
    /** Granted by the operator command (platform-admin grant); PLATFORM_ADMIN_EMAILS needs no flag. */
    platformAdmin: p.boolean(),
    /** When the user proved the address (a verification link or an accepted invitation); null: not yet. */
    emailVerifiedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastLoginAt: p.datetime().nullable(),
  },
});
export type UserEntity = InferEntity<typeof UserEntity>;
