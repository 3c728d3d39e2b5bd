import type { Assistant } from "@atendo/proto/assistant/v1";
import { ModelProvider } from "@atendo/proto/common/v1";
import { durationMs } from "@bufbuild/protobuf/wkt";

// What the audit log keeps of each object: its settings, never a secret (assistants hold none;
// actions' secret headers appear as hints only).

/** Instructions can be 32 000 characters: the log keeps their start and their length. */
const INSTRUCTIONS_KEPT = 200;

const ms = (d: Parameters<typeof durationMs>[0] | undefined) => (d === undefined ? null : durationMs(d));

export function assistantSummary(a: Assistant) {
  const instructions =
    a.instructions.length > INSTRUCTIONS_KEPT
      ? `${a.instructions.slice(0, INSTRUCTIONS_KEPT)}…`
      : a.instructions;
  return {
    name: a.name,
    instructions,
    instructions_length: a.instructions.length,
    language: a.language,
    model: {
      provider: ModelProvider[a.model?.provider ?? ModelProvider.UNSPECIFIED],
      model: a.model?.model ?? "",
      temperature: a.model?.temperature ?? null,
      max_output_tokens: a.model?.maxOutputTokens ?? 0,
    },
    buffer_window_ms: ms(a.bufferWindow),
    max_inbound_age_ms: ms(a.maxInboundAge),
    handoff: {
      keywords: [...(a.handoff?.keywords ?? [])],
      on_request: a.handoff?.onRequest ?? false,
      message: a.handoff?.message ?? "",
    },
    knowledge_base_ids: [...a.knowledgeBaseIds],
    enabled: a.enabled,
    channel_ids: [...a.channelIds],
  };
}

/** Which assistant answers a channel; null when none does. */
export function bindingSummary(channelId: string, assistantId: string | undefined) {
  return { channel_id: channelId, assistant_id: assistantId ?? null };
}
