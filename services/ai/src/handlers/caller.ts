import { NOT_ALLOWED, permissionDenied, principalOf } from "@atendo/service-kit";
import type { HandlerContext } from "@connectrpc/connect";

/**
 * The tenant a workspace-scoped RPC works in: always the caller's own. The auth interceptor has
 * already checked that the request's workspace belongs to it and that the caller may use it.
 */
export function callerTenant(ctx: Pick<HandlerContext, "values">): string {
  const principal = principalOf(ctx);
  // Workspace rules admit no service; one reaching here would have no tenant of its own to use.
  if (principal.kind === "service") throw permissionDenied(NOT_ALLOWED);
  return principal.tenantId;
}
