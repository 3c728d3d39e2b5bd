import { permissionDenied, principalOf } from "@atendo/service-kit";
import type { HandlerContext } from "@connectrpc/connect";

/**
 * The tenant of a user or API key calling a workspace RPC. The auth interceptor has already checked
 * that the request's workspace belongs to this tenant and that the caller may use it.
 */
export function callerTenant(ctx: Pick<HandlerContext, "values">): string {
  const principal = principalOf(ctx);
  if (principal.kind === "user" || principal.kind === "api_key") return principal.tenantId;
  // The policies admit no other kind; refuse rather than guess a tenant.
  throw permissionDenied("not allowed");
}
