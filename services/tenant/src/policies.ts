import {
  ApiKeyService,
  AuthService,
  ChannelDirectoryService,
  ChannelService,
  TenantService,
  TokenService,
} from "@atendo/proto/tenant/v1";
import { definePolicy, type Policy } from "@atendo/service-kit";
import { ATENDO_SERVICES } from "./domain/service-credentials.js";

// Who may call each RPC of the tenant service (docs/auth.md). Owner-only changes among admins'
// RPCs (owners' roles, owner invitations, plans), what a caller may grant (reach.ts) and what needs
// a verified email (caller.ts) are checked in the handlers.

const ALL_SERVICES = ATENDO_SERVICES;
const byTenant = (req: { tenantId: string }) => req.tenantId;
const byWorkspace = (req: { workspaceId: string }) => req.workspaceId;

export const tenantPolicy = definePolicy(TenantService, {
  createTenant: { platformAdmin: true },
  // The assistant and ai services read plan limits as themselves (an API key has no tenant role).
  getTenant: { role: "agent", tenant: byTenant, services: ["assistant", "ai"], platformAdmin: true },
  updateTenant: { role: "owner", tenant: byTenant, platformAdmin: true },
  listTenants: { platformAdmin: true },
  suspendTenant: { platformAdmin: true },
  reactivateTenant: { platformAdmin: true },
  createWorkspace: { role: "admin", tenant: byTenant, platformAdmin: true },
  // The workspace directory of every service (workspace -> tenant) asks this.
  getWorkspace: { role: "agent", workspace: byWorkspace, services: ALL_SERVICES, platformAdmin: true },
  listWorkspaces: { role: "agent", tenant: byTenant, platformAdmin: true },
  updateWorkspace: { role: "admin", workspace: byWorkspace, platformAdmin: true },
  listMembers: { role: "admin", tenant: byTenant },
  inviteMember: { role: "admin", tenant: byTenant },
  acceptInvitation: { public: true },
  updateMemberRole: { role: "admin", tenant: byTenant },
  removeMember: { role: "admin", tenant: byTenant },
  listAuditLog: { role: "admin", tenant: byTenant },
});

export const authPolicy = definePolicy(AuthService, {
  signUp: { public: true },
  // The link's token is the credential.
  verifyEmail: { public: true },
  resendVerificationEmail: { role: "agent" },
  login: { public: true },
  refreshToken: { public: true },
  logout: { public: true },
  getCurrentUser: { role: "agent" },
  rotateSigningKey: { platformAdmin: true },
});

// Internal services: other Atendo services only, each RPC to the services that need it.
export const tokenPolicy = definePolicy(TokenService, {
  // The credential in the request is what authenticates the caller (it has no token yet).
  issueServiceToken: { public: true },
  introspectApiKey: { services: ALL_SERVICES },
  issueVisitorToken: { services: ["ingress"] },
});

export const channelDirectoryPolicy = definePolicy(ChannelDirectoryService, {
  resolveChannel: { services: ["ingress", "delivery"] },
  setChannelStatus: { services: ["delivery"] },
});

const channelRead = {
  role: "agent",
  scope: "channels:read",
  workspace: byWorkspace,
  platformAdmin: true,
} as const;
const channelWrite = {
  role: "admin",
  scope: "channels:write",
  workspace: byWorkspace,
  platformAdmin: true,
} as const;

export const channelPolicy = definePolicy(ChannelService, {
  createChannel: channelWrite,
  getChannel: channelRead,
  listChannels: channelRead,
  updateChannel: channelWrite,
  disableChannel: channelWrite,
  enableChannel: channelWrite,
});

export const apiKeyPolicy = definePolicy(ApiKeyService, {
  createApiKey: { role: "admin", workspace: byWorkspace },
  listApiKeys: { role: "admin", workspace: byWorkspace },
  revokeApiKey: { role: "admin", workspace: byWorkspace },
});

/** Every policy of the services this process routes. */
export const POLICIES: readonly Policy[] = [
  tenantPolicy,
  authPolicy,
  channelPolicy,
  apiKeyPolicy,
  tokenPolicy,
  channelDirectoryPolicy,
];
