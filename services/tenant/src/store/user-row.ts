import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A person who can log in (global: memberships tie users to tenants). */
export const UserRow = defineEntity({
  name: "UserRow",
  tableName: "users",
  properties: {
    id: p.uuid().primary(),
    /** Lowercased (domain/email.ts). */
    email: p.text(),
    name: p.text(),
    /** argon2id PHC string. */
    passwordHash: p.text(),
    platformAdmin: p.boolean(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastLoginAt: p.datetime().nullable(),
  },
});
export type UserRow = InferEntity<typeof UserRow>;
