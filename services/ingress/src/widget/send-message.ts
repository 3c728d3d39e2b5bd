import { newId } from "@atendo/db";
import { MessageInputSchema } from "@atendo/proto/common/v1";
import {
  type SendMessageRequest,
  type SendMessageResponse,
  SendMessageResponseSchema,
} from "@atendo/proto/ingress/v1";
import { messageFromInput, type VisitorPrincipal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { requireActiveChannel } from "./active-channel.js";
import { admitMessage } from "./admit-message.js";
import { appendVisitorMessage } from "./visitor-message.js";
import type { WidgetDeps } from "./widget-deps.js";
import { widgetMessageOf } from "./widget-view.js";

/**
 * SendMessage: text, an interactive reply or a location into the visitor's thread and the pipeline
 * (appendVisitorMessage). A retry with the same request_id returns the first message, stored and
 * announced once.
 */
export function createSendMessage(deps: WidgetDeps) {
  return async (req: SendMessageRequest, visitor: VisitorPrincipal): Promise<SendMessageResponse> => {
    await admitMessage(deps, visitor);
    await requireActiveChannel(deps, visitor);
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
      return appendVisitorMessage(deps, em, visitor, {
        id: newId(),
        input,
        content,
        requestId: req.requestId,
      });
    });
    if (created) deps.hub.signal(thread, { kind: "messages" });
    return create(SendMessageResponseSchema, { message: widgetMessageOf(message) });
  };
}
