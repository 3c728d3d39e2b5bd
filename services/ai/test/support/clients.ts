import { AiService } from "@atendo/proto/ai/v1";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ConversationService } from "@atendo/proto/conversation/v1";
import { ApiKeyService, AuthService, ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import type { Client, Interceptor } from "@connectrpc/connect";

export interface Urls {
  tenant: string;
  assistant: string;
  conversation: string;
  ai: string;
}

/** Clients of every service of the test stack, all sending one caller's credential. */
export interface Clients {
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  apiKeys: Client<typeof ApiKeyService>;
  auth: Client<typeof AuthService>;
  assistants: Client<typeof AssistantService>;
  conversations: Client<typeof ConversationService>;
  ai: Client<typeof AiService>;
}

function bearer(credential: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${credential}`);
    return next(req);
  };
}

export function clientsFor(urls: Urls, credential: string | undefined): Clients {
  const options = { interceptors: credential === undefined ? [] : [bearer(credential)] };
  return {
    tenants: createServiceClient(TenantService, urls.tenant, options),
    channels: createServiceClient(ChannelService, urls.tenant, options),
    apiKeys: createServiceClient(ApiKeyService, urls.tenant, options),
    auth: createServiceClient(AuthService, urls.tenant, options),
    assistants: createServiceClient(AssistantService, urls.assistant, options),
    conversations: createServiceClient(ConversationService, urls.conversation, options),
    ai: createServiceClient(AiService, urls.ai, options),
  };
}
