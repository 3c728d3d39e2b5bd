import type { EntityManager } from "@atendo/db";
import { WorkspaceEntity } from "./workspace-entity.js";

export function findWorkspace(em: EntityManager, workspaceId: string): Promise<WorkspaceEntity | null> {
  return em.findOne(WorkspaceEntity, { id: workspaceId });
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
): Promise<WorkspaceEntity[]> {
  return em.find(
    WorkspaceEntity,
    {
      tenantId,
      ...(after === undefined ? {} : { id: { $gt: after } }),
      ...(only.length === 0 ? {} : { $and: [{ id: { $in: [...only] } }] }),
    },
    { orderBy: { id: "asc" }, limit },
  );
}
