import { createTtlCache } from "../cache/ttl-cache.js";
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
  const cache = createTtlCache<string | undefined>({ maxEntries: options.maxEntries, now: clock });
  const once = createSingleFlight<string, string | undefined>();
  const lookup = async (workspaceId: string): Promise<string | undefined> => {
    const tenantId = await options.lookup(workspaceId);
    cache.set(workspaceId, tenantId, tenantId === undefined ? { ttlMs: UNKNOWN_TTL_MS } : {});
    return tenantId;
  };
  return {
    async tenantOf(workspaceId) {
      if (workspaceId === "" || workspaceId.length > MAX_ID_CHARS) return undefined;
      const hit = cache.hit(workspaceId);
      if (hit !== undefined) return hit.value;
      return once(workspaceId, () => lookup(workspaceId));
    },
  };
}
