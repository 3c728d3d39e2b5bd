import type { HandlerContext } from "@connectrpc/connect";
import { notAllowed } from "./auth-errors.js";
import { principalOf } from "./principal.js";

/**
 * The tenant a workspace-scoped RPC works in: always the caller's own (a user's, an API key's or a
 * visitor's). The auth interceptor has already checked that the request's workspace belongs to it
 * and that the caller may use it. A service has no tenant of its own: `permission_denied` (workspace
 * rules admit none, so one reaching here is refused rather than given a guessed tenant).
 */
export function callerTenant(ctx: Pick<HandlerContext, "values">): string {
  const principal = principalOf(ctx);
  if (principal.kind === "service") throw notAllowed();
  return principal.tenantId;
}
