import type { TenantService } from "@atendo/proto/tenant/v1";
import type { ServiceImpl } from "@connectrpc/connect";
import { createAuditRpcs } from "./audit-rpcs.js";
import type { HandlerDeps } from "./deps.js";
import { createInvitationRpcs } from "./invitation-rpcs.js";
import { createMemberRpcs } from "./member-rpcs.js";
import { createTenantRpcs } from "./tenant-rpcs.js";
import { createWorkspaceRpcs } from "./workspace-rpcs.js";

/** TenantService: tenants, workspaces, members and invitations, the audit log. */
export function createTenantService(deps: HandlerDeps): ServiceImpl<typeof TenantService> {
  return {
    ...createTenantRpcs(deps),
    ...createWorkspaceRpcs(deps),
    ...createMemberRpcs(deps),
    ...createInvitationRpcs(deps),
    ...createAuditRpcs(deps),
  };
}
