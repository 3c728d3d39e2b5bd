import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A verification link mailed to a user (global like users); single use, expiring. */
export const EmailVerificationEntity = defineEntity({
  name: "EmailVerificationEntity",
  tableName: "email_verifications",
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid(),
    /** The address the link was mailed to (lowercased): it verifies that address only. */
    email: p.text(),
    /** SHA-256 of the token; the token itself is only in the link. */
    tokenHash: p.blob(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});
export type EmailVerificationEntity = InferEntity<typeof EmailVerificationEntity>;
