import { FinishReason } from "@atendo/proto/ai/v1";
import { CitationSchema, ModelProvider } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { findHandoffKeyword } from "./handoff.js";
import { offlineMessages } from "./offline-messages.js";
import { bestPassage, excerpt } from "./passage-ranking.js";
import type { Provider, ProviderReply, TurnInput } from "./provider.js";
import { handoffAction, textPart, zeroUsage } from "./reply-parts.js";

/** The model name reported for offline replies. */
export const OFFLINE_MODEL = "offline";

const QUOTE_CHARS = 700;

/**
 * The provider used when no language model is configured: a fixed, polite notice in the reply
 * language, the best matching knowledge passage quoted when there is one, and a handoff when the
 * customer asks for a person (it stands in for the model's handoff tool).
 */
export function createOfflineProvider(deps: { handoffKeywords: readonly string[] }): Provider {
  return {
    provider: ModelProvider.OFFLINE,
    async generate(turn: TurnInput): Promise<ProviderReply> {
      const texts = turn.turn.filter((l) => l.role === "customer").map((l) => l.text);
      const messages = offlineMessages(turn.language);
      const askedFor = findHandoffKeyword(texts, deps.handoffKeywords);
      const parts = [textPart(askedFor === undefined ? messages.notice : messages.noticeWithHandoff)];
      const citations = [];
      const passage = bestPassage(texts.join("\n"), turn.passages);
      if (passage !== undefined) {
        const quote = excerpt(passage.text, QUOTE_CHARS);
        parts.push(textPart(messages.passage(quote, passage.title)));
        citations.push(
          create(CitationSchema, {
            knowledgeBaseId: passage.knowledgeBaseId,
            documentId: passage.documentId,
            chunkId: passage.chunkId,
            title: passage.title,
            snippet: quote,
            score: passage.score,
          }),
        );
      }
      return {
        parts,
        citations,
        actions:
          askedFor === undefined ? [] : [handoffAction(`The customer asked for a person ("${askedFor}").`)],
        usage: zeroUsage(ModelProvider.OFFLINE, OFFLINE_MODEL),
        model: OFFLINE_MODEL,
        finishReason: FinishReason.STOP,
        offline: true,
      };
    },
  };
}
