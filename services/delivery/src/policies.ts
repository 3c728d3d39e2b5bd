import { DeliveryService, WebhookSubscriptionService } from "@atendo/proto/delivery/v1";
import { definePolicy, type Policy } from "@atendo/service-kit";

// Who may call each RPC of the delivery service (docs/auth.md). Every RPC names its workspace, so the
// interceptor checks it against the caller before a handler runs; no service calls delivery.

const byWorkspace = (req: { workspaceId: string }) => req.workspaceId;

const readDeliveries = { role: "agent", scope: "conversations:read", workspace: byWorkspace } as const;
const manageWebhooks = { role: "admin", scope: "webhooks:write", workspace: byWorkspace } as const;

export const deliveryPolicy = definePolicy(DeliveryService, {
  getDeliveryStatus: readDeliveries,
  listAttempts: readDeliveries,
  resendMessage: { role: "agent", scope: "messages:write", workspace: byWorkspace },
});

export const webhookSubscriptionPolicy = definePolicy(WebhookSubscriptionService, {
  createSubscription: manageWebhooks,
  getSubscription: manageWebhooks,
  listSubscriptions: manageWebhooks,
  updateSubscription: manageWebhooks,
  deleteSubscription: manageWebhooks,
  rotateSigningSecret: manageWebhooks,
  testSubscription: manageWebhooks,
  listDeliveries: manageWebhooks,
  replayDelivery: manageWebhooks,
});

/** Every policy of the services this process routes. */
export const POLICIES: readonly Policy[] = [deliveryPolicy, webhookSubscriptionPolicy];
