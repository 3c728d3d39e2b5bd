import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A channel and the one assistant that answers on it. */
export const ChannelBindingRow = defineEntity({
  name: "ChannelBindingRow",
  tableName: "channel_bindings",
  properties: {
    channelId: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    assistantId: p.uuid(),
    createdAt: p.datetime(),
  },
});
export type ChannelBindingRow = InferEntity<typeof ChannelBindingRow>;
