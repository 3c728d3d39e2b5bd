import type { TenantService } from "@atendo/proto/tenant/v1";
import type { CallOptions, Client } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { createTtlCache } from "./ttl-cache.js";

export type WorkspaceResolver = Pick<Client<typeof TenantService>, "getWorkspace">;

/** Which tenant owns a workspace (until authentication carries it in the principal). */
export interface WorkspaceDirectory {
  /** The tenant id, or undefined when the workspace does not exist. */
  tenantOf(workspaceId: string, callOptions?: CallOptions): Promise<string | undefined>;
}

export interface WorkspaceDirectoryOptions {
  workspaces: WorkspaceResolver;
  /** A workspace never changes tenant: found ones are kept long. Default 10 min. */
  ttlMs?: number;
  /** Unknown ids are remembered briefly. Default 5 s. */
  negativeTtlMs?: number;
  maxEntries?: number;
}

export function createWorkspaceDirectory(options: WorkspaceDirectoryOptions): WorkspaceDirectory {
  const ttlMs = options.ttlMs ?? 600_000;
  const negativeTtlMs = options.negativeTtlMs ?? 5_000;
  const cache = createTtlCache<string | undefined>({ maxEntries: options.maxEntries ?? 10_000 });

  return {
    async tenantOf(workspaceId, callOptions) {
      if (cache.has(workspaceId)) return cache.get(workspaceId);
      try {
        const res = await options.workspaces.getWorkspace({ workspaceId }, callOptions);
        const tenantId = res.workspace?.tenantId;
        if (tenantId === undefined || tenantId === "") throw new Error("GetWorkspace returned no tenant");
        cache.set(workspaceId, tenantId, ttlMs);
        return tenantId;
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.NotFound) {
          cache.set(workspaceId, undefined, negativeTtlMs);
          return undefined;
        }
        throw err;
      }
    },
  };
}
