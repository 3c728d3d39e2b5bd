import type { EntityManager } from "@atendo/db";
import { WorkspaceRow } from "./workspace-row.js";

export function findWorkspace(em: EntityManager, workspaceId: string): Promise<WorkspaceRow | null> {
  return em.findOne(WorkspaceRow, { id: workspaceId });
}

/** Oldest first, after `after` (UUIDv7 ids are time-ordered); `limit` rows at most. */
export function listWorkspaces(
  em: EntityManager,
  tenantId: string,
  after: string | undefined,
  limit: number,
): Promise<WorkspaceRow[]> {
  return em.find(WorkspaceRow, after === undefined ? { tenantId } : { tenantId, id: { $gt: after } }, {
    orderBy: { id: "asc" },
    limit,
  });
}
