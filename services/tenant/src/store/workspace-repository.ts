import type { EntityManager } from "@atendo/db";
import { WorkspaceRow } from "./workspace-row.js";

export function findWorkspace(em: EntityManager, workspaceId: string): Promise<WorkspaceRow | null> {
  return em.findOne(WorkspaceRow, { id: workspaceId });
}

/**
 * Oldest first, after `after` (UUIDv7 ids are time-ordered); `limit` rows at most. `only`, when not
 * empty, keeps those workspaces (a member limited to some).
 */
export function listWorkspaces(
  em: EntityManager,
  tenantId: string,
  after: string | undefined,
  limit: number,
  only: readonly string[] = [],
): Promise<WorkspaceRow[]> {
  return em.find(
    WorkspaceRow,
    {
      tenantId,
      ...(after === undefined ? {} : { id: { $gt: after } }),
      ...(only.length === 0 ? {} : { $and: [{ id: { $in: [...only] } }] }),
    },
    { orderBy: { id: "asc" }, limit },
  );
}
