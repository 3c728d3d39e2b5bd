import type { WidgetTyping } from "@atendo/proto/ingress/v1";

/** What a stream of a thread is told by this process. */
export type WidgetSignal =
  /** The thread has new or changed messages (a new status is a new version): read after your cursor. */
  { kind: "messages" } | { kind: "typing"; typing: WidgetTyping };

export interface ThreadKey {
  channelId: string;
  visitorId: string;
}

/**
 * The open streams of this process, by thread. Writers and the bus listeners signal a thread; every
 * stream of it wakes. Signals carry no ordering: the history in Postgres does.
 */
export interface WidgetHub {
  subscribe(key: ThreadKey, onSignal: (signal: WidgetSignal) => void): () => void;
  signal(key: ThreadKey, signal: WidgetSignal): void;
}

const keyOf = (k: ThreadKey) => `${k.channelId}\u0000${k.visitorId}`;

export function createWidgetHub(): WidgetHub {
  const subscribers = new Map<string, Set<(signal: WidgetSignal) => void>>();
  return {
    subscribe(key, onSignal) {
      const k = keyOf(key);
      let set = subscribers.get(k);
      if (set === undefined) {
        set = new Set();
        subscribers.set(k, set);
      }
      set.add(onSignal);
      return () => {
        set.delete(onSignal);
        if (set.size === 0 && subscribers.get(k) === set) subscribers.delete(k);
      };
    },
    signal(key, signal) {
      for (const fn of subscribers.get(keyOf(key)) ?? []) fn(signal);
    },
  };
}
