import { type ChatMessage, ChatRole } from "@atendo/proto/ai/v1";
import type { Assistant } from "@atendo/proto/assistant/v1";
import { Direction, ModelProvider, SenderKind } from "@atendo/proto/common/v1";
import type { ConversationMessage, GetTurnContextResponse } from "@atendo/proto/conversation/v1";
import { replyLanguage } from "./language.js";
import { messageText } from "./message-text.js";
import type { AssistantProfile, ChatLine, ChatRole as LineRole, TurnInput } from "./provider.js";

const DEFAULT_MAX_OUTPUT_TOKENS = 1024;

/** The settings of an assistant a reply needs. */
export function assistantProfile(assistant: Assistant, instructionsOverride = ""): AssistantProfile {
  const model = assistant.model;
  return {
    id: assistant.id,
    name: assistant.name,
    instructions: instructionsOverride || assistant.instructions,
    language: assistant.language,
    provider: model?.provider ?? ModelProvider.OFFLINE,
    model: model?.model ?? "",
    temperature: model?.temperature,
    maxOutputTokens: model?.maxOutputTokens || DEFAULT_MAX_OUTPUT_TOKENS,
    handoff: {
      keywords: assistant.handoff?.keywords ?? [],
      message: assistant.handoff?.message ?? "",
      onRequest: assistant.handoff?.onRequest ?? false,
    },
  };
}

function storedRole(m: ConversationMessage): LineRole {
  if (m.direction === Direction.INBOUND) return "customer";
  return m.senderKind === SenderKind.AI ? "assistant" : "agent";
}

function lines(messages: readonly ConversationMessage[]): ChatLine[] {
  return messages
    .map((m) => ({ role: storedRole(m), text: messageText(m.message) }))
    .filter((l) => l.text !== "");
}

function build(
  profile: AssistantProfile,
  history: ChatLine[],
  turn: ChatLine[],
  contactName: string,
): TurnInput {
  return {
    assistant: profile,
    language: replyLanguage(
      profile.language,
      turn.map((l) => l.text),
    ),
    history,
    turn,
    // Knowledge retrieval arrives with the knowledge-base issue; until then no passages are found.
    passages: [],
    contactName,
  };
}

/** A conversation turn as conversation's GetTurnContext describes it. */
export function turnFromContext(profile: AssistantProfile, context: GetTurnContextResponse): TurnInput {
  return build(profile, lines(context.history), lines(context.turnMessages), context.contact?.name ?? "");
}

const CHAT_ROLE: Record<ChatRole, LineRole> = {
  [ChatRole.UNSPECIFIED]: "customer",
  [ChatRole.CUSTOMER]: "customer",
  [ChatRole.ASSISTANT]: "assistant",
  [ChatRole.AGENT]: "agent",
};

/**
 * A conversation given in a request (playground): the trailing customer messages are the turn,
 * everything before them is history.
 */
export function turnFromChat(
  profile: AssistantProfile,
  messages: readonly ChatMessage[],
  contactName: string,
): TurnInput {
  const all = messages.map((m) => ({ role: CHAT_ROLE[m.role], text: messageText(m.message) }));
  let start = all.length;
  while (start > 0 && all[start - 1]?.role === "customer") start--;
  const keep = (l: ChatLine) => l.text !== "";
  return build(profile, all.slice(0, start).filter(keep), all.slice(start).filter(keep), contactName);
}
