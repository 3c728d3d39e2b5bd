import type { FinishReason, Passage, ReplyPart, ToolAction } from "@atendo/proto/ai/v1";
import type { Citation, ModelProvider, Usage } from "@atendo/proto/common/v1";
import type { ReplyLanguage } from "./language.js";

/** Who wrote a line of the conversation, as a model sees it. */
export type ChatRole = "customer" | "assistant" | "agent";

export interface ChatLine {
  role: ChatRole;
  text: string;
}

/** The assistant settings a provider needs. */
export interface AssistantProfile {
  id: string;
  name: string;
  instructions: string;
  /** BCP 47; empty for the customer's language. */
  language: string;
  provider: ModelProvider;
  model: string;
  temperature: number | undefined;
  maxOutputTokens: number;
  handoff: { keywords: readonly string[]; message: string; onRequest: boolean };
}

/** One turn to answer. */
export interface TurnInput {
  assistant: AssistantProfile;
  /** The language the reply is written in. */
  language: ReplyLanguage;
  /** Earlier messages, oldest first. */
  history: readonly ChatLine[];
  /** The customer's messages this reply answers, oldest first. */
  turn: readonly ChatLine[];
  /** Knowledge-base passages retrieved for the turn, best first (may be empty). */
  passages: readonly Passage[];
  contactName: string;
}

/** What a provider answers. */
export interface ProviderReply {
  parts: ReplyPart[];
  citations: Citation[];
  actions: ToolAction[];
  usage: Usage;
  /** Model that answered, as the provider names it. */
  model: string;
  finishReason: FinishReason;
  /** Answered without a language model. */
  offline: boolean;
}

/** A family of language-model API (or the offline stand-in) behind one interface. */
export interface Provider {
  readonly provider: ModelProvider;
  generate(turn: TurnInput, signal?: AbortSignal): Promise<ProviderReply>;
}
