import { LRUCache } from "lru-cache";
import type { Clock } from "./clock.js";
import { monotonicClock } from "./clock.js";
import { createSingleFlight } from "./single-flight.js";

export interface WorkspaceDirectoryOptions {
  /** The tenant owning a workspace, undefined when there is no such workspace. Throws when it cannot answer. */
  lookup: (workspaceId: string) => Promise<string | undefined>;
  /** Default 10 000 workspaces. */
  maxEntries?: number;
  clock?: Clock;
}

export interface WorkspaceDirectory {
  /** The tenant of a workspace, or undefined when it does not exist. */
  tenantOf(workspaceId: string): Promise<string | undefined>;
}

// An id that does not exist yet may be created in a moment: forget that answer quickly.
const UNKNOWN_TTL_MS = 1000;
const MAX_ID_CHARS = 128;

/**
 * Which tenant a workspace belongs to. A workspace never changes tenant, so found answers are
 * kept (bounded LRU, no expiry); unknown ids for 1 s.
 */
export function createWorkspaceDirectory(options: WorkspaceDirectoryOptions): WorkspaceDirectory {
  const clock = options.clock ?? monotonicClock;
  // "" marks an unknown workspace (a tenant id is never empty).
  const cache = new LRUCache<string, string>({
    max: options.maxEntries ?? 10_000,
    perf: { now: clock },
    ttlResolution: 0,
  });
  const once = createSingleFlight<string, string>();
  const lookup = async (workspaceId: string): Promise<string> => {
    const tenantId = (await options.lookup(workspaceId)) ?? "";
    cache.set(workspaceId, tenantId, tenantId === "" ? { ttl: UNKNOWN_TTL_MS } : {});
    return tenantId;
  };
  return {
    async tenantOf(workspaceId) {
      if (workspaceId === "" || workspaceId.length > MAX_ID_CHARS) return undefined;
      const tenantId = cache.get(workspaceId) ?? (await once(workspaceId, () => lookup(workspaceId)));
      return tenantId === "" ? undefined : tenantId;
    },
  };
}
