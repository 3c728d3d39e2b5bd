import { MediaService, WebhookService, WidgetService } from "@atendo/proto/ingress/v1";
import { definePolicy, type Policy } from "@atendo/service-kit";

// Who may call each RPC of the ingress service (docs/auth.md).

const byWorkspace = (req: { workspaceId: string }) => req.workspaceId;

export const webhookPolicy = definePolicy(WebhookService, {
  listWebhookEvents: { role: "admin", scope: "channels:read", workspace: byWorkspace },
  getWebhookEvent: { role: "admin", scope: "channels:read", workspace: byWorkspace },
  replayWebhookEvent: { role: "admin", scope: "channels:write", workspace: byWorkspace },
});

// The visitor token names its session; the handlers check it.
export const widgetPolicy = definePolicy(WidgetService, {
  startSession: { public: true },
  sendMessage: { visitor: true },
  streamMessages: { visitor: true },
  listMessages: { visitor: true },
  createUpload: { visitor: true },
  sendAttachment: { visitor: true },
});

// Media customers sent: whoever may read the workspace's conversations may download them, and the ai
// service acting on its own (a service has no tenant: the handler finds the workspace's and looks
// the media up inside it).
export const mediaPolicy = definePolicy(MediaService, {
  getMedia: { role: "agent", scope: "conversations:read", workspace: byWorkspace, services: ["ai"] },
});

/** Every policy of the services this process routes. */
export const POLICIES: readonly Policy[] = [webhookPolicy, widgetPolicy, mediaPolicy];
