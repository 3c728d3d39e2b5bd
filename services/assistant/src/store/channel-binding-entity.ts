import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A channel and the one assistant that answers on it. */
export const ChannelBindingEntity = defineEntity({
  name: "ChannelBindingEntity",
  tableName: "channel_bindings",
  properties: {
    channelId: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    assistantId: p.uuid(),
    createdAt: p.datetime(),
  },
});
export type ChannelBindingEntity = InferEntity<typeof ChannelBindingEntity>;
