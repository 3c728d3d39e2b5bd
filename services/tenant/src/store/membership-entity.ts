import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const MembershipEntity = defineEntity({
  name: "MembershipEntity",
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
export type MembershipEntity = InferEntity<typeof MembershipEntity>;
