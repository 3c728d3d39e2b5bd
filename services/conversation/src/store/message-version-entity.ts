import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/**
 * One content an edited message had: the original (`change_key` "original") or an edit (keyed by
 * the channel's id or counter of the edit, so a redelivered edit is one row).
 */
export const MessageVersionEntity = defineEntity({
  name: "MessageVersion",
  tableName: "message_versions",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    messageId: p.uuid(),
    changeKey: p.text(),
    editNumber: p.integer(),
    writtenAt: p.datetime(),
    content: p.uint8array(),
    createdAt: p.datetime(),
  },
});
export type MessageVersionRecord = InferEntity<typeof MessageVersionEntity>;
