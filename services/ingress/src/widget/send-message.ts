import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { ChannelType, MessageInputSchema, SenderKind } from "@atendo/proto/common/v1";
import {
  ExternalContactSchema,
  MessageReceivedSchema,
  type SendMessageRequest,
  type SendMessageResponse,
  SendMessageResponseSchema,
} from "@atendo/proto/ingress/v1";
import { ChannelStatus } from "@atendo/proto/tenant/v1";
import {
  actorOf,
  failedPrecondition,
  messageFromInput,
  rateLimited,
  unavailable,
  type VisitorPrincipal,
} from "@atendo/service-kit";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { ChannelLookupError } from "../clients/channel-directory.js";
import type { WidgetDeps } from "./widget-deps.js";
import { widgetMessageOf } from "./widget-view.js";

const LIMIT_MESSAGES = {
  visitor: "too many messages from this visitor; wait before sending again",
  site: "this site receives too many messages right now; wait before sending again",
  ip: "too many requests from this address",
} as const;

/**
 * SendMessage: the visitor's message is stored in its thread and its MessageReceived goes to the
 * outbox in the same transaction, so it enters the same pipeline as a WhatsApp message (contact =
 * the visitor, external message id = the widget message id). A retry with the same request_id
 * returns the first message, stored and announced once.
 */
export function createSendMessage(deps: WidgetDeps) {
  return async (req: SendMessageRequest, visitor: VisitorPrincipal): Promise<SendMessageResponse> => {
    const admission = await deps.limiter.admitMessage(visitor.channelId, visitor.visitorId);
    if (!admission.admitted) {
      throw rateLimited(LIMIT_MESSAGES[admission.scope], Math.ceil(admission.retryAfterMs / 1000));
    }
    const channel = await deps.channels.resolve(visitor.channelId).catch((err: unknown) => {
      if (!(err instanceof ChannelLookupError)) throw err;
      deps.logger.warn({ err, channel_id: visitor.channelId }, "looking up a widget's channel failed");
      throw unavailable("the chat cannot take messages right now; try again");
    });
    if (channel === undefined || channel.status === ChannelStatus.DISABLED || channel.tenantSuspended) {
      throw failedPrecondition("this chat is not available at the moment");
    }
    const thread = { channelId: visitor.channelId, visitorId: visitor.visitorId };
    const input = req.message ?? create(MessageInputSchema);
    const { message, created } = await deps.db.withTenant(visitor.tenantId, async (em) => {
      await deps.store.ensureVisitor(em, {
        tenantId: visitor.tenantId,
        ...thread,
        verified: visitor.verified,
      });
      // A quoted message must be one of this thread's own (its id is what the conversation knows).
      const content = await messageFromInput(input, async (id) => {
        const own = await deps.store.message(em, visitor.channelId, visitor.visitorId, id);
        return own?.direction === "inbound" ? own.id : undefined;
      });
      const id = newId();
      const appended = await deps.store.append(em, {
        id,
        tenantId: visitor.tenantId,
        ...thread,
        direction: "inbound",
        senderKind: SenderKind.CONTACT,
        senderName: "",
        content: toBinary(MessageInputSchema, input),
        status: 0,
        ...(req.requestId === "" ? {} : { requestId: req.requestId }),
      });
      if (appended === undefined) throw new Error("the visitor's thread vanished inside its transaction");
      if (appended.created) {
        const session = await deps.store.session(em, visitor.sessionId);
        const event = create(MessageReceivedSchema, {
          meta: newEventMeta({
            tenantId: visitor.tenantId,
            workspaceId: visitor.workspaceId,
            correlationId: id,
            actor: actorOf(visitor),
          }),
          channelId: visitor.channelId,
          channelType: ChannelType.WEB,
          externalMessageId: id,
          contact: create(ExternalContactSchema, {
            externalId: visitor.visitorId,
            displayName: session?.name ?? "",
            email: session?.email ?? "",
          }),
          message: content,
          sentAt: timestampNow(),
        });
        // The msgID is the message id, as for every channel's messages.
        await deps.outbox.add(em, [deps.bus.encode(MessageReceivedSchema, event, { msgId: id })]);
      }
      return appended;
    });
    if (created) deps.hub.signal(thread, { kind: "messages" });
    return create(SendMessageResponseSchema, { message: widgetMessageOf(message) });
  };
}
