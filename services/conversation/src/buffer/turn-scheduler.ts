import { encodeMember } from "./buffer-member.js";
import type { BufferStore } from "./buffer-store.js";

export interface TurnScheduler {
  /** A new turn started: the conversation's deadline moves to now + window (debounce). */
  arm(tenantId: string, conversationId: string): Promise<void>;
  /** Schedules the conversation at `deadline` unless it is already due or being flushed. */
  ensureArmed(tenantId: string, conversationId: string, deadline?: number): Promise<boolean>;
}

export function createTurnScheduler(deps: {
  store: BufferStore;
  windowMs: number;
  /** Tells this replica's flusher about an earlier deadline than it planned for. */
  onArmed: (deadline: number) => void;
}): TurnScheduler {
  const { store, windowMs, onArmed } = deps;
  return {
    async arm(tenantId, conversationId) {
      const deadline = Date.now() + windowMs;
      await store.arm(encodeMember({ tenantId, conversationId }), deadline);
      onArmed(deadline);
    },
    async ensureArmed(tenantId, conversationId, deadline = Date.now() + windowMs) {
      const added = await store.armIfAbsent(encodeMember({ tenantId, conversationId }), deadline);
      if (added) onArmed(deadline);
      return added;
    },
  };
}
