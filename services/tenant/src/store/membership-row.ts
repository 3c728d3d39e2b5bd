import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const MembershipRow = defineEntity({
  name: "MembershipRow",
  tableName: "memberships",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    userId: p.uuid(),
    role: p.enum(["OWNER", "ADMIN", "AGENT"] as const),
    /** Empty: every workspace of the tenant. */
    workspaceIds: p.array(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastLoginAt: p.datetime().nullable(),
  },
});
export type MembershipRow = InferEntity<typeof MembershipRow>;
