import type { HandlerContext } from "@connectrpc/connect";
import { accessStateKey } from "./access-state.js";
import { targetNotFound } from "./auth-errors.js";
import { checkWorkspace } from "./authorize.js";
import { principalOf } from "./principal.js";

/**
 * For a handler that learns the workspace late (from a stored object): the same workspace check the
 * interceptor makes for a rule's `workspace` (`not_found` for another tenant's, `permission_denied`
 * for one the caller may not use). Returns the workspace's tenant.
 */
export async function requireWorkspace(
  ctx: Pick<HandlerContext, "values">,
  workspaceId: string,
): Promise<string> {
  const principal = principalOf(ctx);
  const access = ctx.values.get(accessStateKey);
  if (access === undefined)
    throw new Error("requireWorkspace called outside a call checked by the auth interceptor");
  if (access.unrestricted || principal.kind === "service") {
    const tenantId = await access.workspaces.tenantOf(workspaceId);
    if (tenantId === undefined) throw targetNotFound("workspace");
    return tenantId;
  }
  await checkWorkspace(principal, workspaceId, access.workspaces);
  return principal.tenantId;
}
