import type { Assistant, AssistantDirectoryService, AssistantService } from "@atendo/proto/assistant/v1";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/**
 * Assistant configurations from the assistant service: a turn's through its internal directory (as
 * the ai service), a caller's through the public AssistantService (with the caller's credential).
 */
export interface AssistantConfigs {
  /**
   * The assistant bound to a channel, undefined when none is; cached for `ttlMs` or until
   * `forgetTenant` (every replica calls it on AssistantConfigured).
   */
  forChannel(tenantId: string, channelId: string, options?: CallOptions): Promise<Assistant | undefined>;
  /** An assistant of a workspace (public lookup; not_found passes through). */
  get(workspaceId: string, assistantId: string, options?: CallOptions): Promise<Assistant>;
  /**
   * Drops what is cached for the tenant's channels (an assistant of it changed, or a binding): the
   * next turn asks the assistant service again. A lookup in flight when this runs is not kept.
   */
  forgetTenant(tenantId: string): void;
}

interface Entry {
  assistant: Assistant | undefined;
  expiresAt: number;
}

export function createAssistantConfigs(deps: {
  client: Pick<Client<typeof AssistantService>, "getAssistant">;
  directory: Pick<Client<typeof AssistantDirectoryService>, "getAssistantForChannel">;
  /** How long a lookup (found or not) is reused. */
  ttlMs: number;
  /** Entries kept; the oldest is dropped beyond it. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}): AssistantConfigs {
  const now = deps.now ?? Date.now;
  const maxEntries = deps.maxEntries ?? 10_000;
  const cache = new Map<string, Entry>();
  // Bumped by every forget: an answer asked for before it may predate the change, so it is not kept.
  let forgets = 0;

  function remember(key: string, assistant: Assistant | undefined): void {
    cache.delete(key);
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, { assistant, expiresAt: now() + deps.ttlMs });
  }

  return {
    async forChannel(tenantId, channelId, options) {
      const key = `${tenantId}:${channelId}`;
      const hit = cache.get(key);
      if (hit !== undefined && hit.expiresAt > now()) return hit.assistant;
      const asked = forgets;
      let assistant: Assistant | undefined;
      try {
        const res = await deps.directory.getAssistantForChannel({ tenantId, channelId }, options);
        assistant = res.assistant;
      } catch (err) {
        if (ConnectError.from(err).code !== Code.NotFound) throw err;
        assistant = undefined;
      }
      if (deps.ttlMs > 0 && asked === forgets) remember(key, assistant);
      return assistant;
    },

    forgetTenant(tenantId) {
      forgets++;
      const prefix = `${tenantId}:`;
      for (const key of cache.keys()) if (key.startsWith(prefix)) cache.delete(key);
    },

    async get(workspaceId, assistantId, options) {
      const res = await deps.client.getAssistant({ workspaceId, assistantId }, options);
      if (res.assistant === undefined)
        throw new ConnectError(`assistant ${assistantId} not found`, Code.NotFound);
      return res.assistant;
    },
  };
}
