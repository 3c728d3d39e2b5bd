import { type HttpHook, pathOf, sendText } from "@atendo/service-kit";
import type { WhatsAppReceiver } from "./webhook-receiver.js";
import type { WhatsAppVerifier } from "./webhook-verifier.js";

const WHATSAPP_PATH = /^\/webhooks\/whatsapp\/([^/]+)$/;

export interface WebhookRoutesDeps {
  whatsappVerifier: WhatsAppVerifier;
  whatsappReceiver: WhatsAppReceiver;
}

/** The plain HTTP routes of ingress (Meta webhooks); anything else is not ours (404). */
export function createWebhookRoutes(deps: WebhookRoutesDeps): HttpHook {
  return async (req, res) => {
    const match = WHATSAPP_PATH.exec(pathOf(req));
    if (match?.[1] === undefined) return false;
    const channelId = safeDecode(match[1]);
    if (req.method === "GET") await deps.whatsappVerifier.verify(req, res, channelId);
    else if (req.method === "POST") await deps.whatsappReceiver.receive(req, res, channelId);
    else {
      res.setHeader("allow", "GET, POST");
      sendText(res, 405, "method not allowed");
    }
    return true;
  };
}

/** A malformed escape cannot name a channel; it is looked up as is and found unknown. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
