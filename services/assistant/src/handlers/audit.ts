import type { AuditRecorded } from "@atendo/proto/audit/v1";
import { actorOf, correlationIdKey, principalOf } from "@atendo/service-kit";
import type { HandlerContext } from "@connectrpc/connect";
import { type AuditChange, auditRecorded } from "../domain/audit-event.js";

/** The audit entry of a change made by this call's caller in the caller's tenant. */
export function auditOf(
  ctx: Pick<HandlerContext, "values">,
  scope: { tenantId: string; workspaceId: string },
  change: AuditChange,
): AuditRecorded {
  return auditRecorded({
    ...scope,
    actor: actorOf(principalOf(ctx)),
    correlationId: ctx.values.get(correlationIdKey),
    change,
  });
}
