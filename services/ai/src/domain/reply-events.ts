import { causedBy } from "@atendo/bus";
import {
  type ReplyGenerated,
  ReplyGeneratedSchema,
  type UsageOperation,
  type UsageRecorded,
  UsageRecordedSchema,
} from "@atendo/proto/ai/v1";
import {
  type Actor,
  ActorKind,
  ActorSchema,
  type ChannelType,
  type EventMeta,
  type Usage,
} from "@atendo/proto/common/v1";
import type { TurnReady } from "@atendo/proto/conversation/v1";
import { create } from "@bufbuild/protobuf";
import type { GeneratedReply } from "./generate-reply.js";

/** The assistant as the actor of what it did (a reply, the usage of a turn). */
export function assistantActor(assistant: { id: string; name: string }): Actor {
  return create(ActorSchema, { kind: ActorKind.ASSISTANT, id: assistant.id, displayName: assistant.name });
}

/** Atendo itself: what happened without a model (the plan's monthly AI messages were used up). */
export const SYSTEM_ACTOR: Actor = create(ActorSchema, { kind: ActorKind.SYSTEM });

/** ReplyGenerated answering a TurnReady: same epoch, the turn's message ids, caused by it. */
export function replyGeneratedEvent(
  turn: TurnReady,
  turnMeta: EventMeta,
  assistantId: string,
  reply: GeneratedReply,
  actor: Actor,
): ReplyGenerated {
  return create(ReplyGeneratedSchema, {
    // The reply's parts, citations, actions, usage, provider, model, finish reason and offline flag.
    ...reply,
    meta: causedBy(turnMeta, actor),
    conversationId: turn.conversationId,
    channelId: turn.channelId,
    turnEpoch: turn.turnEpoch,
    answeredMessageIds: [...turn.messageIds],
    assistantId,
  });
}

/** The conversation a usage was for, as UsageRecorded names it; all empty for none. */
export interface UsageConversation {
  conversationId: string;
  contactId: string;
  channelId: string;
  channelType: ChannelType;
}

export function usageRecordedEvent(init: {
  meta: EventMeta;
  usage: Usage;
  assistantId: string;
  operation: UsageOperation;
  conversation?: UsageConversation;
}): UsageRecorded {
  return create(UsageRecordedSchema, {
    meta: init.meta,
    usage: init.usage,
    assistantId: init.assistantId,
    operation: init.operation,
    ...init.conversation,
  });
}
