import {
  ApiKeyService,
  AuthService,
  ChannelDirectoryService,
  ChannelService,
  TenantService,
  TokenService,
} from "@atendo/proto/tenant/v1";
import type { ClientsOf } from "./clients-for.js";

/** The RPC services of the tenant process (the internal ones last), by the names the tests call them. */
export const TENANT_SERVICES = {
  tenants: TenantService,
  channels: ChannelService,
  apiKeys: ApiKeyService,
  auth: AuthService,
  tokens: TokenService,
  channelDirectory: ChannelDirectoryService,
} as const;

export type TenantClients = ClientsOf<typeof TENANT_SERVICES>;
