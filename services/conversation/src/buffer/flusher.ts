import type { Logger } from "@atendo/telemetry";
import { parseMember } from "./buffer-member.js";
import type { BufferStore } from "./buffer-store.js";
import type { TurnPublisher } from "./turn-publisher.js";

export interface Flusher {
  start(): void;
  /** A deadline was armed here: wake up for it if it is earlier than the next planned check. */
  notify(deadline: number): void;
  /** Stops scheduling and waits for the flush in progress. */
  stop(): Promise<void>;
}

export interface FlusherOptions {
  store: BufferStore;
  turns: TurnPublisher;
  logger: Logger;
  /** Longest sleep between looks at the due set (deadlines armed by other replicas). */
  pollMs: number;
  /** How long a claimed member stays ours before any replica may take it back. */
  leaseMs: number;
  /** Delay before a failed flush is tried again. */
  retryMs: number;
  /** Members claimed per round. */
  batchSize: number;
}

/**
 * The flusher of one replica: claims due conversations (atomically, so each is flushed by one
 * replica), publishes their TurnReady and drops the lease. A crash between claim and release leaves
 * the lease to expire, and the next claim by any replica puts the member back in due.
 */
export function createFlusher(o: FlusherOptions): Flusher {
  const log = o.logger.child({ component: "flusher" });
  let timer: NodeJS.Timeout | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  function wakeUpAt(at: number): void {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    wakeAt = at;
    timer = setTimeout(kick, Math.max(0, at - Date.now()));
    timer.unref();
  }

  function kick(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    wakeAt = Number.POSITIVE_INFINITY;
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = cycle().finally(() => {
      running = undefined;
      // A wake-up that came in as the last round ended.
      if (again) kick();
    });
  }

  async function flushOne(member: string, leaseDeadline: number): Promise<void> {
    const parsed = parseMember(member);
    if (parsed === undefined) {
      log.warn({ member }, "dropping a malformed buffer entry");
      await o.store.release(member, leaseDeadline);
      return;
    }
    try {
      const outcome = await o.turns.publishTurn(parsed.tenantId, parsed.conversationId);
      if (outcome.published) {
        log.debug(
          { tenant_id: parsed.tenantId, conversation_id: parsed.conversationId, epoch: outcome.epoch },
          "turn ready",
        );
      }
      if ("waitUntil" in outcome) {
        // Due again when the media wait runs out, unless MediaStored armed it sooner meanwhile.
        log.debug(
          { tenant_id: parsed.tenantId, conversation_id: parsed.conversationId, until: outcome.waitUntil },
          "turn waits for media",
        );
        await o.store.retry(member, leaseDeadline, outcome.waitUntil);
      } else await o.store.release(member, leaseDeadline);
    } catch (err) {
      log.error({ err, tenant_id: parsed.tenantId, conversation_id: parsed.conversationId }, "flush failed");
      // Left leased if this fails too: the lease expiry brings it back.
      await o.store.retry(member, leaseDeadline, Date.now() + o.retryMs).catch((retryErr: unknown) => {
        log.warn({ err: retryErr }, "could not reschedule a failed flush");
      });
    }
  }

  async function cycle(): Promise<void> {
    let next = Date.now() + o.pollMs;
    try {
      do {
        again = false;
        const now = Date.now();
        const leaseDeadline = now + o.leaseMs;
        const members = await o.store.claimDue(now, leaseDeadline, o.batchSize);
        await Promise.all(members.map((m) => flushOne(m, leaseDeadline)));
        if (members.length === o.batchSize) again = true;
        if (!again && members.length === 0) {
          const due = await o.store.nextDeadline();
          // A due member that could not be claimed is being flushed elsewhere: look again soon,
          // without spinning.
          if (due !== undefined) next = Math.min(next, Math.max(due, Date.now() + Math.min(o.pollMs, 50)));
        }
      } while (again && !stopped);
    } catch (err) {
      log.error({ err }, "buffer round failed");
    }
    if (!stopped && next < wakeAt) wakeUpAt(next);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      wakeUpAt(Date.now());
    },
    notify(deadline) {
      if (stopped) return;
      if (deadline <= Date.now()) kick();
      else if (deadline < wakeAt) wakeUpAt(deadline);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
