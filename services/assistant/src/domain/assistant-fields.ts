import type {
  CreateAssistantRequest,
  HandoffRules,
  ModelSettings,
  UpdateAssistantRequest,
} from "@atendo/proto/assistant/v1";
import { type Duration, durationMs } from "@bufbuild/protobuf/wkt";
import {
  DEFAULT_BUFFER_WINDOW_MS,
  DEFAULT_LANGUAGE,
  DEFAULT_MAX_INBOUND_AGE_MS,
  DEFAULT_MAX_OUTPUT_TOKENS,
} from "./defaults.js";
import { type ProviderName, providerName } from "./model-provider.js";

/** The settings of an assistant a caller can change, with defaults applied. */
export interface AssistantFields {
  name: string;
  instructions: string;
  language: string;
  modelProvider: ProviderName;
  modelName: string;
  // null (or undefined, as the ORM reads it) for the provider's default.
  temperature: number | null | undefined;
  maxOutputTokens: number;
  bufferWindowMs: number;
  maxInboundAgeMs: number;
  handoffKeywords: string[];
  handoffOnRequest: boolean;
  handoffMessage: string;
  knowledgeBaseIds: string[];
  enabled: boolean;
}

type ModelFields = Pick<AssistantFields, "modelProvider" | "modelName" | "temperature" | "maxOutputTokens">;
type HandoffFields = Pick<AssistantFields, "handoffKeywords" | "handoffOnRequest" | "handoffMessage">;

function modelFields(model: ModelSettings | undefined): ModelFields {
  return {
    // UNSPECIFIED never passes validation; offline is the safe reading of a missing choice.
    modelProvider: (model && providerName(model.provider)) ?? "offline",
    modelName: model?.model ?? "",
    temperature: model?.temperature ?? null,
    maxOutputTokens: model?.maxOutputTokens || DEFAULT_MAX_OUTPUT_TOKENS,
  };
}

function handoffFields(handoff: HandoffRules | undefined): HandoffFields {
  return {
    handoffKeywords: [...(handoff?.keywords ?? [])],
    handoffOnRequest: handoff?.onRequest ?? false,
    handoffMessage: handoff?.message ?? "",
  };
}

function ms(duration: Duration | undefined, fallback: number): number {
  return duration === undefined ? fallback : Math.round(durationMs(duration));
}

/**
 * The fields of a new assistant. An empty language takes the workspace's default language (the
 * issue's default is pt-BR); later updates may set it empty to answer in the customer's language.
 */
export function fieldsForCreate(req: CreateAssistantRequest, workspaceLanguage: string): AssistantFields {
  return {
    name: req.name.trim(),
    instructions: req.instructions,
    language: req.language || workspaceLanguage || DEFAULT_LANGUAGE,
    ...modelFields(req.model),
    bufferWindowMs: ms(req.bufferWindow, DEFAULT_BUFFER_WINDOW_MS),
    maxInboundAgeMs: ms(req.maxInboundAge, DEFAULT_MAX_INBOUND_AGE_MS),
    ...handoffFields(req.handoff),
    knowledgeBaseIds: [...req.knowledgeBaseIds],
    enabled: req.enabled ?? true,
  };
}

/** The fields an update changes: only the mask's paths (validated against the contract's list). */
export function fieldsForUpdate(req: UpdateAssistantRequest): Partial<AssistantFields> {
  const paths = new Set(req.updateMask?.paths ?? []);
  return {
    ...(paths.has("name") ? { name: req.name.trim() } : {}),
    ...(paths.has("instructions") ? { instructions: req.instructions } : {}),
    ...(paths.has("language") ? { language: req.language } : {}),
    ...(paths.has("model") ? modelFields(req.model) : {}),
    // A listed Duration left unset resets to its default (contract).
    ...(paths.has("buffer_window") ? { bufferWindowMs: ms(req.bufferWindow, DEFAULT_BUFFER_WINDOW_MS) } : {}),
    ...(paths.has("max_inbound_age")
      ? { maxInboundAgeMs: ms(req.maxInboundAge, DEFAULT_MAX_INBOUND_AGE_MS) }
      : {}),
    ...(paths.has("handoff") ? handoffFields(req.handoff) : {}),
    ...(paths.has("knowledge_base_ids") ? { knowledgeBaseIds: [...req.knowledgeBaseIds] } : {}),
    ...(paths.has("enabled") ? { enabled: req.enabled } : {}),
  };
}
