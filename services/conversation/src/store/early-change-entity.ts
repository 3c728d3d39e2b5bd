import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/**
 * An edit, deletion or stored media that arrived before the message it names (events of different
 * subjects keep no order between them): the event's bytes, applied when the message is stored.
 */
export const EarlyChangeEntity = defineEntity({
  name: "EarlyChange",
  tableName: "early_changes",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    channelId: p.uuid(),
    targetExternalId: p.text(),
    changeKey: p.text(),
    event: p.uint8array(),
    occurredAt: p.datetime(),
    createdAt: p.datetime(),
  },
});
export type EarlyChangeRecord = InferEntity<typeof EarlyChangeEntity>;
