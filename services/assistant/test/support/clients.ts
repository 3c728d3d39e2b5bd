import { AssistantService, KnowledgeService } from "@atendo/proto/assistant/v1";
import { ApiKeyService, AuthService, ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import type { Client, Interceptor } from "@connectrpc/connect";

/** Clients of the tenant and assistant services, all sending one caller's credential. */
export interface Clients {
  assistants: Client<typeof AssistantService>;
  knowledge: Client<typeof KnowledgeService>;
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  apiKeys: Client<typeof ApiKeyService>;
  auth: Client<typeof AuthService>;
}

function bearer(credential: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${credential}`);
    return next(req);
  };
}

export function clientsFor(
  urls: { tenant: string; assistant: string },
  credential: string | undefined,
): Clients {
  const options = { interceptors: credential === undefined ? [] : [bearer(credential)] };
  return {
    assistants: createServiceClient(AssistantService, urls.assistant, options),
    knowledge: createServiceClient(KnowledgeService, urls.assistant, options),
    tenants: createServiceClient(TenantService, urls.tenant, options),
    channels: createServiceClient(ChannelService, urls.tenant, options),
    apiKeys: createServiceClient(ApiKeyService, urls.tenant, options),
    auth: createServiceClient(AuthService, urls.tenant, options),
  };
}
