import {
  type Assistant,
  AssistantSchema,
  type ChannelBinding,
  ChannelBindingSchema,
  HandoffRulesSchema,
  ModelSettingsSchema,
} from "@atendo/proto/assistant/v1";
import { etagOf } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AssistantFields } from "./assistant-fields.js";
import { providerFromName } from "./model-provider.js";

/** A stored assistant: its settings plus identity, version and timestamps. */
export interface AssistantRecord extends AssistantFields {
  id: string;
  tenantId: string;
  workspaceId: string;
  /** Bumped by every update. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The etag of an assistant as the contract shows it: its settings (the version) and its channel
 * bindings, so a change made from a stale read of either is refused.
 */
function assistantEtag(row: Pick<AssistantRecord, "id" | "version">, channelIds: readonly string[]) {
  return etagOf(row.id, row.version, ...channelIds);
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
    etag: assistantEtag(row, channelIds),
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
