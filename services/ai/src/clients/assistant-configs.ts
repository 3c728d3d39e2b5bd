import type { Assistant, AssistantDirectoryService, AssistantService } from "@atendo/proto/assistant/v1";
import { createTtlCache } from "@atendo/service-kit";
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

export function createAssistantConfigs(deps: {
  client: Pick<Client<typeof AssistantService>, "getAssistant">;
  directory: Pick<Client<typeof AssistantDirectoryService>, "getAssistantForChannel">;
  /** How long a lookup (found or not) is reused. */
  ttlMs: number;
  /** Entries kept; the least recently used is dropped beyond it. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}): AssistantConfigs {
  const cache = createTtlCache<Assistant | undefined>({
    ttlMs: deps.ttlMs,
    maxEntries: deps.maxEntries,
    now: deps.now,
  });

  return {
    async forChannel(tenantId, channelId, options) {
      const key = `${tenantId}:${channelId}`;
      const hit = cache.hit(key);
      if (hit !== undefined) return hit.value;
      // A forget while this is asked may concern it: then the answer is not kept.
      const asked = cache.mark();
      let assistant: Assistant | undefined;
      try {
        const res = await deps.directory.getAssistantForChannel({ tenantId, channelId }, options);
        assistant = res.assistant;
      } catch (err) {
        if (ConnectError.from(err).code !== Code.NotFound) throw err;
        assistant = undefined;
      }
      cache.set(key, assistant, { ifUnchangedSince: asked });
      return assistant;
    },

    forgetTenant(tenantId) {
      const prefix = `${tenantId}:`;
      cache.deleteWhere((_, key) => key.startsWith(prefix));
    },

    async get(workspaceId, assistantId, options) {
      const res = await deps.client.getAssistant({ workspaceId, assistantId }, options);
      if (res.assistant === undefined)
        throw new ConnectError(`assistant ${assistantId} not found`, Code.NotFound);
      return res.assistant;
    },
  };
}
