import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { PROVIDER_NAMES } from "../domain/model-provider.js";

export const AssistantRow = defineEntity({
  name: "AssistantRow",
  tableName: "assistants",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    name: p.text(),
    instructions: p.text(),
    language: p.text(),
    modelProvider: p.enum(PROVIDER_NAMES).columnType("text"),
    modelName: p.text(),
    temperature: p.float().columnType("double precision").nullable(),
    maxOutputTokens: p.integer(),
    bufferWindowMs: p.integer(),
    maxInboundAgeMs: p.integer(),
    handoffKeywords: p.array().columnType("text[]"),
    handoffOnRequest: p.boolean(),
    handoffMessage: p.text(),
    knowledgeBaseIds: p.array().columnType("text[]"),
    enabled: p.boolean(),
    /** Bumped by every update; the etag is computed from it. */
    version: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type AssistantRow = InferEntity<typeof AssistantRow>;
