import { FinishReason } from "@atendo/proto/ai/v1";
import type { ModelProvider } from "@atendo/proto/common/v1";
import { findHandoffKeyword } from "./handoff.js";
import { OFFLINE_MODEL } from "./offline-provider.js";
import type { Provider, ProviderReply, TurnInput } from "./provider.js";
import { handoffAction, textPart, zeroUsage } from "./reply-parts.js";

export interface GeneratedReply extends ProviderReply {
  /** The provider that answered (the offline one when the assistant's has no API key here). */
  provider: ModelProvider;
}

export type GenerateReply = (turn: TurnInput, signal?: AbortSignal) => Promise<GeneratedReply>;

/**
 * The one path every reply takes (turns and the playground): the assistant's own handoff keywords
 * hand off at once without calling a model; otherwise the assistant's provider answers, or the
 * offline provider when that one is not available in this deployment (no API key).
 */
export function createReplyGenerator(deps: {
  providers: readonly Provider[];
  offline: Provider;
}): GenerateReply {
  const byKind = new Map(deps.providers.map((p) => [p.provider, p]));
  return async (turn, signal) => {
    const provider = byKind.get(turn.assistant.provider) ?? deps.offline;
    const texts = turn.turn.filter((l) => l.role === "customer").map((l) => l.text);
    const keyword = findHandoffKeyword(texts, turn.assistant.handoff.keywords);
    if (keyword !== undefined) {
      const message = turn.assistant.handoff.message;
      const model = provider === deps.offline ? OFFLINE_MODEL : turn.assistant.model;
      return {
        provider: provider.provider,
        parts: message === "" ? [] : [textPart(message)],
        citations: [],
        actions: [handoffAction(`The customer's message matched the handoff keyword "${keyword}".`)],
        usage: zeroUsage(provider.provider, model),
        model,
        // A silent handoff ends on the tool call alone.
        finishReason: message === "" ? FinishReason.TOOL_CALLS : FinishReason.STOP,
        offline: provider === deps.offline,
      };
    }
    const reply = await provider.generate(turn, signal);
    return { ...reply, provider: provider.provider };
  };
}
