import type { Bus } from "@atendo/bus";
import { type Db, newId } from "@atendo/db";
import { EventMetaSchema } from "@atendo/proto/common/v1";
import { TurnReadySchema } from "@atendo/proto/conversation/v1";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { systemActor } from "../domain/actors.js";
import { channelTypeToProto } from "../domain/enums.js";
import { mediaWaitDeadline } from "../domain/media-state.js";
import { decodeContent } from "../domain/to-proto.js";
import { loadPendingTurn, markFlushed } from "../store/turn-queries.js";

export type FlushOutcome =
  | { published: false }
  /** A message of the turn has media ingress is still fetching: try again at `waitUntil` (ms). */
  | { published: false; waitUntil: number }
  | {
      published: true;
      epoch: number;
      messageIds: string[];
      /** JetStream already held this (conversation, epoch): nothing new reached the ai service. */
      duplicate: boolean;
    };

export interface TurnPublisher {
  /** Publishes the conversation's current turn, if it has one, and records it as flushed. */
  publishTurn(tenantId: string, conversationId: string): Promise<FlushOutcome>;
}

/** JetStream drops a second TurnReady of the same (conversation, epoch) inside its duplicate window. */
export const turnReadyMsgId = (conversationId: string, epoch: number) =>
  `turn-ready:${conversationId}:${epoch}`;

/**
 * `mediaWaitMs`: how long a turn waits for the media of its messages to be stored (MediaStored arms
 * it again as soon as one is), counted from the oldest such message; then it goes anyway.
 */
export function createTurnPublisher(deps: { db: Db; bus: Bus; mediaWaitMs: number }): TurnPublisher {
  const { db, bus, mediaWaitMs } = deps;
  return {
    async publishTurn(tenantId, conversationId) {
      const turn = await db.withTenant(tenantId, (em) => loadPendingTurn(em, conversationId));
      if (turn === undefined) return { published: false };
      const { conversation: c, messages } = turn;
      const waitUntil = mediaWaitDeadline(
        messages.map((m) => ({ content: decodeContent(m.content), createdAt: m.createdAt })),
        mediaWaitMs,
        Date.now(),
      );
      if (waitUntil !== undefined) return { published: false, waitUntil };
      const newest = messages[messages.length - 1];
      const event = create(TurnReadySchema, {
        meta: create(EventMetaSchema, {
          // Fixed per epoch (set when the epoch started): a late republish is still the same event
          // for consumers that dedupe by event id.
          eventId: c.turnEventId ?? newId(),
          tenantId,
          workspaceId: c.workspaceId,
          occurredAt: timestampNow(),
          correlationId: newest?.correlationId ?? "",
          causationId: newest?.sourceEventId ?? "",
          // The buffer decided the customer is done typing.
          actor: systemActor(),
        }),
        conversationId: c.id,
        channelId: c.channelId,
        channelType: channelTypeToProto(c.channelType),
        assistantId: c.assistantId ?? "",
        turnEpoch: c.turnEpoch,
        messageIds: messages.map((m) => m.id),
      });
      const ack = await bus.publish(TurnReadySchema, event, { msgId: turnReadyMsgId(c.id, c.turnEpoch) });
      await db.withTenant(tenantId, (em) => markFlushed(em, c.id, c.turnEpoch));
      return { published: true, epoch: c.turnEpoch, messageIds: event.messageIds, duplicate: ack.duplicate };
    },
  };
}
