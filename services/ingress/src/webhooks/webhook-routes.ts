import { type HttpHook, pathOf, sendText } from "@atendo/service-kit";
import type { WebhookReceiver } from "./webhook-receiver.js";
import type { WebhookVerifier } from "./webhook-verifier.js";

const META_PATH = /^\/webhooks\/(whatsapp|instagram)\/([^/]+)$/;

export interface WebhookRoutesDeps {
  webhookVerifier: WebhookVerifier;
  webhookReceiver: WebhookReceiver;
}

/** The plain HTTP routes of ingress (Meta webhooks); anything else is not ours (404). */
export function createWebhookRoutes(deps: WebhookRoutesDeps): HttpHook {
  return async (req, res) => {
    const match = META_PATH.exec(pathOf(req));
    const name = match?.[1];
    if (match?.[2] === undefined || (name !== "whatsapp" && name !== "instagram")) return false;
    const channelId = safeDecode(match[2]);
    if (req.method === "GET") await deps.webhookVerifier.verify(req, res, name, channelId);
    else if (req.method === "POST") await deps.webhookReceiver.receive(req, res, name, channelId);
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
