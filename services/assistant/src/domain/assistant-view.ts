import {
  type Assistant,
  AssistantSchema,
  type ChannelBinding,
  ChannelBindingSchema,
  HandoffRulesSchema,
  ModelSettingsSchema,
} from "@atendo/proto/assistant/v1";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AssistantFields } from "./assistant-fields.js";
import { providerFromName } from "./model-provider.js";

/** A stored assistant: its settings plus identity and timestamps. */
export interface AssistantRecord extends AssistantFields {
  id: string;
  tenantId: string;
  workspaceId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The contract's view of an assistant (it holds no secret). */
export function toAssistant(row: AssistantRecord, channelIds: readonly string[]): Assistant {
  return create(AssistantSchema, {
    id: row.id,
    tenantId: row.tenantId,
    workspaceId: row.workspaceId,
    name: row.name,
    instructions: row.instructions,
    language: row.language,
    model: create(ModelSettingsSchema, {
      provider: providerFromName(row.modelProvider),
      model: row.modelName,
      ...(row.temperature == null ? {} : { temperature: row.temperature }),
      maxOutputTokens: row.maxOutputTokens,
    }),
    bufferWindow: durationFromMs(row.bufferWindowMs),
    maxInboundAge: durationFromMs(row.maxInboundAgeMs),
    handoff: create(HandoffRulesSchema, {
      keywords: [...row.handoffKeywords],
      onRequest: row.handoffOnRequest,
      message: row.handoffMessage,
    }),
    knowledgeBaseIds: [...row.knowledgeBaseIds],
    enabled: row.enabled,
    channelIds: [...channelIds],
    createdAt: timestampFromDate(row.createdAt),
    updatedAt: timestampFromDate(row.updatedAt),
  });
}

export interface BindingRecord {
  channelId: string;
  assistantId: string;
  workspaceId: string;
  createdAt: Date;
}

export function toChannelBinding(row: BindingRecord): ChannelBinding {
  return create(ChannelBindingSchema, {
    channelId: row.channelId,
    assistantId: row.assistantId,
    workspaceId: row.workspaceId,
    createdAt: timestampFromDate(row.createdAt),
  });
}
