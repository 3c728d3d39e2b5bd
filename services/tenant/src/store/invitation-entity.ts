import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const InvitationEntity = defineEntity({
  name: "InvitationEntity",
  tableName: "invitations",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    /** Lowercased. */
    email: p.text(),
    role: p.enum(["OWNER", "ADMIN", "AGENT"] as const),
    workspaceIds: p.array(),
    /** SHA-256 of the token; the token itself is only in the invitee's link. */
    tokenHash: p.blob(),
    /** The inviting user; null for the platform admin acting from outside or the system. */
    invitedBy: p.uuid().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    acceptedBy: p.uuid().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type InvitationEntity = InferEntity<typeof InvitationEntity>;
