import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import type { ChannelConfigJson } from "../domain/channel-model.js";
import type { HistoryImportJson } from "../domain/history-import.js";

export const ChannelEntity = defineEntity({
  name: "ChannelEntity",
  tableName: "channels",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    type: p.enum(["WHATSAPP", "INSTAGRAM", "WEB"] as const),
    name: p.text(),
    status: p.enum(["ACTIVE", "NEEDS_RECONNECT", "DISABLED"] as const),
    statusReason: p.text(),
    statusChangedAt: p.datetime(),
    /** Public settings and secret hints. */
    config: p.json<ChannelConfigJson>(),
    /** AES-256-GCM of the secrets' JSON (see domain/secret-box.ts). */
    secrets: p.blob(),
    /** The key of the ring that sealed `secrets`. */
    keyId: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    /** WhatsApp coexistence: the import of the number's past chats, once it started. */
    historyImport: p.json<HistoryImportJson>().nullable(),
  },
});
export type ChannelEntity = InferEntity<typeof ChannelEntity>;
