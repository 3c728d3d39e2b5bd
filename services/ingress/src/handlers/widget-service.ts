import type { WidgetService } from "@atendo/proto/ingress/v1";
import { permissionDenied, principalOf, type VisitorPrincipal } from "@atendo/service-kit";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { createListMessages } from "../widget/list-messages.js";
import { createMessageStream } from "../widget/message-stream.js";
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

/** WidgetService (docs/widget.md): the web-chat widget's sessions, sends, stream and history. */
export function createWidgetService(deps: WidgetDeps): ServiceImpl<typeof WidgetService> {
  const sendMessage = createSendMessage(deps);
  const stream = createMessageStream(deps);
  const listMessages = createListMessages(deps);
  return {
    startSession: createStartSession(deps),
    sendMessage: (req, ctx) => sendMessage(req, visitorOf(ctx)),
    streamMessages: (req, ctx) => stream(req, visitorOf(ctx), ctx.signal),
    listMessages: (req, ctx) => listMessages(req, visitorOf(ctx)),
  };
}
