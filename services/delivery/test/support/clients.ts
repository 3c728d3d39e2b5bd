import { DeliveryService, WebhookSubscriptionService } from "@atendo/proto/delivery/v1";
import { ApiKeyService, AuthService, ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import type { Client, Interceptor } from "@connectrpc/connect";

/** Clients of the delivery service and of the tenant service, all sending one credential. */
export interface Clients {
  delivery: Client<typeof DeliveryService>;
  webhooks: Client<typeof WebhookSubscriptionService>;
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  auth: Client<typeof AuthService>;
  apiKeys: Client<typeof ApiKeyService>;
}

function bearer(credential: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${credential}`);
    return next(req);
  };
}

/** Clients sending `Authorization: Bearer <credential>`; no credentials at all without one. */
export function clientsAt(urls: { delivery: string; tenant: string }, credential?: string): Clients {
  const options = credential === undefined ? {} : { interceptors: [bearer(credential)] };
  return {
    delivery: createServiceClient(DeliveryService, urls.delivery, options),
    webhooks: createServiceClient(WebhookSubscriptionService, urls.delivery, options),
    tenants: createServiceClient(TenantService, urls.tenant, options),
    channels: createServiceClient(ChannelService, urls.tenant, options),
    auth: createServiceClient(AuthService, urls.tenant, options),
    apiKeys: createServiceClient(ApiKeyService, urls.tenant, options),
  };
}
