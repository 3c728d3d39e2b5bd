import type { Bus, Consumer, Listener } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { isUuid, newId } from "@atendo/db";
import { ChannelType, Direction, MessageInputSchema, SenderKind } from "@atendo/proto/common/v1";
import {
  type MessageStored,
  MessageStoredSchema,
  type TurnReady,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import { type StatusChanged, StatusChangedSchema } from "@atendo/proto/delivery/v1";
import {
  type WidgetMessageAdded,
  WidgetMessageAddedSchema,
  WidgetTypingSchema,
} from "@atendo/proto/ingress/v1";
import { create, isMessage, toBinary } from "@bufbuild/protobuf";
import { widgetContentOf } from "./widget-content.js";
import type { WidgetHub } from "./widget-hub.js";
import type { WidgetStore } from "./widget-store.js";

export const WIDGET_REPLIES_DURABLE = "ingress-widget_replies";
export const WIDGET_STATUSES_DURABLE = "ingress-widget_statuses";

export interface WidgetEventsDeps {
  bus: Bus;
  db: Db;
  store: WidgetStore;
  hub: WidgetHub;
}

/**
 * What the other services say about web-chat threads: conversation's MessageStored (the reply to
 * store in the thread; for the visitor's own message, the conversation it opened), TurnReady (the
 * assistant starts answering: typing), delivery's StatusChanged, and ingress's own WidgetMessageAdded
 * (another replica stored a visitor message). Storing is idempotent (a reply is keyed by its
 * conversation message id), so the durable consumers (work done once, even when no replica was
 * listening) and every replica's listeners (which wake the streams they hold, after the row is
 * there) may both apply an event.
 */
export function createWidgetEvents(deps: WidgetEventsDeps) {
  const { db, store, hub } = deps;

  async function messageStored(event: MessageStored): Promise<void> {
    const m = event.message;
    const tenantId = event.meta?.tenantId ?? "";
    if (event.channelType !== ChannelType.WEB || m === undefined || !isUuid(tenantId)) return;
    // Ids this service did not make (or malformed ones) name no thread: nothing to retry.
    if (!isUuid(event.contactId) || !isUuid(event.conversationId)) return;
    if (m.direction === Direction.INBOUND) {
      if (!isUuid(m.externalId)) return;
      // The widget message id is the channel's id of the message: the thread is now in this conversation.
      await db.withTenant(tenantId, (em) =>
        store.learnConversation(em, m.externalId, {
          conversationId: event.conversationId,
          contactId: event.contactId,
        }),
      );
      return;
    }
    const visitorId = await db.withTenant(tenantId, async (em) => {
      const visitor = await store.visitorOfContact(em, event.channelId, event.contactId);
      if (visitor === undefined) return undefined;
      await store.append(em, {
        id: newId(),
        tenantId,
        channelId: event.channelId,
        visitorId: visitor,
        direction: "outbound",
        senderKind: m.senderKind,
        senderName: "",
        content: toBinary(MessageInputSchema, widgetContentOf(m.message)),
        status: m.status,
        conversationMessageId: m.id,
      });
      return visitor;
    });
    if (visitorId === undefined) return;
    hub.signal({ channelId: event.channelId, visitorId }, { kind: "messages" });
    if (m.senderKind === SenderKind.AI) {
      hub.signal(
        { channelId: event.channelId, visitorId },
        { kind: "typing", typing: create(WidgetTypingSchema, { senderKind: SenderKind.AI, active: false }) },
      );
    }
  }

  async function turnReady(event: TurnReady): Promise<void> {
    const tenantId = event.meta?.tenantId ?? "";
    if (event.channelType !== ChannelType.WEB || !isUuid(tenantId) || !isUuid(event.conversationId)) return;
    const thread = await db.withTenant(tenantId, (em) =>
      store.visitorOfConversation(em, event.conversationId),
    );
    if (thread === undefined) return;
    hub.signal(thread, {
      kind: "typing",
      typing: create(WidgetTypingSchema, { senderKind: SenderKind.AI, active: true }),
    });
  }

  async function statusChanged(event: StatusChanged): Promise<void> {
    const tenantId = event.meta?.tenantId ?? "";
    if (event.channelType !== ChannelType.WEB || !isUuid(tenantId) || !isUuid(event.messageId)) return;
    const thread = await db.withTenant(tenantId, (em) => store.setStatus(em, event.messageId, event.status));
    if (thread === undefined) return;
    // The message has a new version (stored here or, first, by the durable consumer or another
    // replica's listener): streams read it after their cursor, in order, once.
    hub.signal({ channelId: thread.channelId, visitorId: thread.visitorId }, { kind: "messages" });
  }

  function messageAdded(event: WidgetMessageAdded): void {
    hub.signal({ channelId: event.channelId, visitorId: event.visitorId }, { kind: "messages" });
  }

  return {
    /** Durable work (one replica) and per-process listeners; stop() ends them all. */
    async start(): Promise<{ stop(): Promise<void> }> {
      const { bus } = deps;
      const running: Array<Consumer | Listener> = [];
      const stop = async () => {
        await Promise.allSettled(running.map((r) => r.stop()));
      };
      try {
        running.push(
          await bus.consume({
            durable: WIDGET_REPLIES_DURABLE,
            schema: MessageStoredSchema,
            // Stream order: the visitor's message (which names the contact) before its reply.
            concurrency: 1,
            maxDeliver: 10,
            handler: (event) => messageStored(event),
          }),
          await bus.consume({
            durable: WIDGET_STATUSES_DURABLE,
            schema: StatusChangedSchema,
            concurrency: 4,
            maxDeliver: 10,
            handler: (event) => statusChanged(event),
          }),
          await bus.listen({
            schema: [MessageStoredSchema, TurnReadySchema],
            handler: (event) =>
              isMessage(event, MessageStoredSchema) ? messageStored(event) : turnReady(event as TurnReady),
          }),
          await bus.listen({ schema: StatusChangedSchema, handler: (event) => statusChanged(event) }),
          // Web-chat visitor messages only: no replica reads every channel's MessageReceived.
          await bus.listen({ schema: WidgetMessageAddedSchema, handler: (event) => messageAdded(event) }),
        );
      } catch (err) {
        await stop();
        throw err;
      }
      return { stop };
    },
  };
}
