import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { CHANNEL_TYPES } from "../domain/enums.js";

/** A customer as known on one channel (unique on channel + the channel's id of the customer). */
export const ContactEntity = defineEntity({
  name: "Contact",
  tableName: "contacts",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    channelId: p.uuid(),
    channelType: p.enum(CHANNEL_TYPES),
    externalId: p.text(),
    displayName: p.text(),
    name: p.text(),
    email: p.text(),
    phone: p.text(),
    username: p.text(),
    attributes: p.json<Record<string, string>>(),
    tags: p.array(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastSeenAt: p.datetime().strictNullable(),
    /** The WhatsApp Business app's address-book name (coexistence), apart from the profile name. */
    savedName: p.text(),
    /** The app's time of the last address-book change applied (a late, older one is ignored). */
    savedNameAt: p.datetime().strictNullable(),
  },
});
export type ContactRecord = InferEntity<typeof ContactEntity>;
