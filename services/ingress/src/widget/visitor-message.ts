import { newEventMeta } from "@atendo/bus";
import type { EntityManager } from "@atendo/db";
import {
  ChannelType,
  type Message,
  type MessageInput,
  MessageInputSchema,
  SenderKind,
} from "@atendo/proto/common/v1";
import {
  ExternalContactSchema,
  MessageReceivedSchema,
  WidgetMessageAddedSchema,
} from "@atendo/proto/ingress/v1";
import { actorOf, type VisitorPrincipal } from "@atendo/service-kit";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { WidgetDeps } from "./widget-deps.js";
import type { StoredWidgetMessage } from "./widget-store.js";

export interface VisitorMessage {
  id: string;
  /** What the widget shows (as the visitor would write it). */
  input: MessageInput;
  /** What the pipeline gets (the server's view: ids resolved, media stored). */
  content: Message;
  /** SendMessage's or SendAttachment's request_id; "" for none. */
  requestId: string;
}

/**
 * Appends a visitor's message to their thread and, when it is new, puts its MessageReceived (and
 * the WidgetMessageAdded that wakes other replicas' streams) in the outbox in the same transaction: the same pipeline as a WhatsApp message (contact = the visitor,
 * external message id and msgID = the widget message id). A message whose request_id is already in
 * the thread is returned instead (created: false), announced once.
 */
export async function appendVisitorMessage(
  deps: Pick<WidgetDeps, "store" | "outbox" | "bus">,
  em: EntityManager,
  visitor: VisitorPrincipal,
  m: VisitorMessage,
): Promise<{ message: StoredWidgetMessage; created: boolean }> {
  const appended = await deps.store.append(em, {
    id: m.id,
    tenantId: visitor.tenantId,
    channelId: visitor.channelId,
    visitorId: visitor.visitorId,
    direction: "inbound",
    senderKind: SenderKind.CONTACT,
    senderName: "",
    content: toBinary(MessageInputSchema, m.input),
    status: 0,
    ...(m.requestId === "" ? {} : { requestId: m.requestId }),
  });
  if (appended === undefined) throw new Error("the visitor's thread vanished inside its transaction");
  if (appended.created) {
    const session = await deps.store.session(em, visitor.sessionId);
    const event = create(MessageReceivedSchema, {
      meta: newEventMeta({
        tenantId: visitor.tenantId,
        workspaceId: visitor.workspaceId,
        correlationId: m.id,
        actor: actorOf(visitor),
      }),
      channelId: visitor.channelId,
      channelType: ChannelType.WEB,
      externalMessageId: m.id,
      contact: create(ExternalContactSchema, {
        externalId: visitor.visitorId,
        displayName: session?.name ?? "",
        email: session?.email ?? "",
      }),
      message: m.content,
      sentAt: timestampNow(),
    });
    // Every replica wakes the visitor's streams it holds on this one, not on every MessageReceived.
    const added = create(WidgetMessageAddedSchema, {
      meta: newEventMeta({
        tenantId: visitor.tenantId,
        workspaceId: visitor.workspaceId,
        correlationId: m.id,
        actor: actorOf(visitor),
      }),
      channelId: visitor.channelId,
      visitorId: visitor.visitorId,
      messageId: m.id,
    });
    await deps.outbox.add(em, [
      // The msgID is the message id, as for every channel's messages.
      deps.bus.encode(MessageReceivedSchema, event, { msgId: m.id }),
      deps.bus.encode(WidgetMessageAddedSchema, added, { msgId: `widget-added:${m.id}` }),
    ]);
  }
  return appended;
}
