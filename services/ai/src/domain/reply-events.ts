import { causedBy } from "@atendo/bus";
import {
  type ReplyGenerated,
  ReplyGeneratedSchema,
  type UsageOperation,
  type UsageRecorded,
  UsageRecordedSchema,
} from "@atendo/proto/ai/v1";
import type { EventMeta, Usage } from "@atendo/proto/common/v1";
import type { TurnReady } from "@atendo/proto/conversation/v1";
import { create } from "@bufbuild/protobuf";
import type { GeneratedReply } from "./generate-reply.js";

/** ReplyGenerated answering a TurnReady: same epoch, the turn's message ids, caused by it. */
export function replyGeneratedEvent(
  turn: TurnReady,
  turnMeta: EventMeta,
  assistantId: string,
  reply: GeneratedReply,
): ReplyGenerated {
  return create(ReplyGeneratedSchema, {
    meta: causedBy(turnMeta),
    conversationId: turn.conversationId,
    channelId: turn.channelId,
    turnEpoch: turn.turnEpoch,
    answeredMessageIds: [...turn.messageIds],
    parts: reply.parts,
    citations: reply.citations,
    actions: reply.actions,
    usage: reply.usage,
    provider: reply.provider,
    model: reply.model,
    finishReason: reply.finishReason,
    offline: reply.offline,
    assistantId,
  });
}

export function usageRecordedEvent(init: {
  meta: EventMeta;
  usage: Usage;
  conversationId: string;
  assistantId: string;
  operation: UsageOperation;
}): UsageRecorded {
  return create(UsageRecordedSchema, {
    meta: init.meta,
    usage: init.usage,
    conversationId: init.conversationId,
    assistantId: init.assistantId,
    operation: init.operation,
  });
}
