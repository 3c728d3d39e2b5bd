import type { AuditRecorded } from "@atendo/proto/audit/v1";
import type { HandlerContext } from "@connectrpc/connect";
import { type AuditChange, auditRecorded } from "../domain/audit-event.js";
import { changeBy } from "./caller.js";

/** The audit entry of a change made by this call's caller in the caller's tenant. */
export function auditOf(
  ctx: Pick<HandlerContext, "values">,
  scope: { tenantId: string; workspaceId: string },
  change: AuditChange,
): AuditRecorded {
  return auditRecorded({ ...scope, ...changeBy(ctx), change });
}
