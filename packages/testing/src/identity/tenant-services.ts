import { ApiKeyService, AuthService, ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import type { ClientsOf } from "./clients-for.js";

/** The four RPC services of the tenant process, by the names the tests call them. */
export const TENANT_SERVICES = {
  tenants: TenantService,
  channels: ChannelService,
  apiKeys: ApiKeyService,
  auth: AuthService,
} as const;

export type TenantClients = ClientsOf<typeof TENANT_SERVICES>;
