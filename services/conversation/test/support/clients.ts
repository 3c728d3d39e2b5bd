import { AnalyticsService, ContactService, ConversationService } from "@atendo/proto/conversation/v1";
import { ApiKeyService, AuthService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import type { Client, Interceptor } from "@connectrpc/connect";

/** Clients of the conversation service and of the tenant service, all sending one credential. */
export interface Clients {
  conversations: Client<typeof ConversationService>;
  contacts: Client<typeof ContactService>;
  analytics: Client<typeof AnalyticsService>;
  tenants: Client<typeof TenantService>;
  auth: Client<typeof AuthService>;
  apiKeys: Client<typeof ApiKeyService>;
}

function bearer(credential: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${credential}`);
    return next(req);
  };
}

/** Clients sending `Authorization: Bearer <credential>`; none at all without one. */
export function clientsAt(urls: { conversation: string; tenant: string }, credential?: string): Clients {
  const options = credential === undefined ? {} : { interceptors: [bearer(credential)] };
  return {
    conversations: createServiceClient(ConversationService, urls.conversation, options),
    contacts: createServiceClient(ContactService, urls.conversation, options),
    analytics: createServiceClient(AnalyticsService, urls.conversation, options),
    tenants: createServiceClient(TenantService, urls.tenant, options),
    auth: createServiceClient(AuthService, urls.tenant, options),
    apiKeys: createServiceClient(ApiKeyService, urls.tenant, options),
  };
}
