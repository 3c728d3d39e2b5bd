import { GroupCommitFullError } from "./group-commit.js";

/**
 * Accept marks waiting for a statement to carry them, per tenant. The next insert of the tenant
 * takes them (`take`) and marks the rows in the same statement, so under load a webhook costs one
 * batched write, not an insert and an update. Marks no insert took within `delayMs` go by
 * themselves (`flush`), so a quiet tenant's rows are still marked soon.
 */
export interface PendingAccepts {
  /** Resolves once the mark is committed; rejects with GroupCommitFullError past `maxItems`. */
  add(tenantId: string, id: string): Promise<void>;
  /** Up to `max` marks of the tenant, removed from waiting: the caller settles them. */
  take(tenantId: string, max: number): PendingAccept[];
  /** Marks taken whose statement failed: they wait again (and go by themselves if nothing takes them). */
  putBack(tenantId: string, marks: PendingAccept[]): void;
  /** Sends every waiting mark now (at shutdown), without waiting for an insert or the delay. */
  flushAll(): void;
}

export interface PendingAccept {
  id: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface PendingAcceptsOptions {
  /** How long a mark waits for an insert before it goes by itself. */
  delayMs: number;
  /** Most marks waiting at once (every tenant together). Default unbounded. */
  maxItems?: number;
  /** Sends marks no insert took. */
  flush: (tenantId: string, marks: PendingAccept[]) => void;
}

export function createPendingAccepts(options: PendingAcceptsOptions): PendingAccepts {
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const waiting = new Map<string, PendingAccept[]>();
  const timers = new Map<string, NodeJS.Timeout>();
  let count = 0;

  function remove(tenantId: string, max: number): PendingAccept[] {
    const list = waiting.get(tenantId);
    if (list === undefined) return [];
    const taken = list.splice(0, max);
    count -= taken.length;
    if (list.length === 0) {
      waiting.delete(tenantId);
      clearTimeout(timers.get(tenantId));
      timers.delete(tenantId);
    }
    return taken;
  }

  function wait(tenantId: string, marks: PendingAccept[]): void {
    if (marks.length === 0) return;
    const list = waiting.get(tenantId);
    if (list === undefined) waiting.set(tenantId, marks);
    else list.push(...marks);
    count += marks.length;
    if (timers.has(tenantId)) return;
    const timer = setTimeout(() => {
      timers.delete(tenantId);
      const marks = remove(tenantId, Number.POSITIVE_INFINITY);
      if (marks.length > 0) options.flush(tenantId, marks);
    }, options.delayMs);
    // Pending marks never keep a stopping process alive: the sweeper marks what they leave.
    timer.unref();
    timers.set(tenantId, timer);
  }

  return {
    add(tenantId, id) {
      if (count + 1 > maxItems) return Promise.reject(new GroupCommitFullError());
      return new Promise<void>((resolve, reject) => wait(tenantId, [{ id, resolve, reject }]));
    },
    take: remove,
    putBack: wait,
    flushAll() {
      for (const tenantId of [...waiting.keys()]) {
        const marks = remove(tenantId, Number.POSITIVE_INFINITY);
        if (marks.length > 0) options.flush(tenantId, marks);
      }
    },
  };
}
