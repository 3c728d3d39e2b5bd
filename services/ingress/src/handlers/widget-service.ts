import type { WidgetService } from "@atendo/proto/ingress/v1";
import { permissionDenied, principalOf, type VisitorPrincipal } from "@atendo/service-kit";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { createAttachmentView } from "../widget/attachment-view.js";
import { createCreateUpload } from "../widget/create-upload.js";
import { createListMessages } from "../widget/list-messages.js";
import { createMessageStream } from "../widget/message-stream.js";
import { createSendAttachment } from "../widget/send-attachment.js";
import { createSendMessage } from "../widget/send-message.js";
import { createStartSession } from "../widget/start-session.js";
import type { WidgetDeps } from "../widget/widget-deps.js";

export type { WidgetDeps } from "../widget/widget-deps.js";

/** The visitor of the call; the policy lets only visitors reach these methods. */
function visitorOf(ctx: HandlerContext): VisitorPrincipal {
  const principal = principalOf(ctx);
  if (principal.kind !== "visitor") throw permissionDenied("only widget visitors may call this");
  return principal;
}

/** WidgetService (docs/widget.md): the web-chat widget's sessions, sends, attachments, stream and history. */
export function createWidgetService(deps: WidgetDeps): ServiceImpl<typeof WidgetService> {
  const sendMessage = createSendMessage(deps);
  const stream = createMessageStream(deps);
  const listMessages = createListMessages(deps);
  // Attachments get a fresh signed URL wherever a message leaves (answers, history, stream).
  const attachments = createAttachmentView(deps);
  const createUpload = createCreateUpload(deps);
  const sendAttachment = createSendAttachment(deps, attachments);
  return {
    startSession: createStartSession(deps),
    sendMessage: (req, ctx) => sendMessage(req, visitorOf(ctx)),
    async *streamMessages(req, ctx) {
      const visitor = visitorOf(ctx);
      for await (const item of stream(req, visitor, ctx.signal)) {
        if (item.event.case === "message") await attachments(visitor, [item.event.value]);
        yield item;
      }
    },
    async listMessages(req, ctx) {
      const visitor = visitorOf(ctx);
      const page = await listMessages(req, visitor);
      await attachments(visitor, page.messages);
      return page;
    },
    createUpload: (req, ctx) => createUpload(req, visitorOf(ctx)),
    sendAttachment: (req, ctx) => sendAttachment(req, visitorOf(ctx)),
  };
}
