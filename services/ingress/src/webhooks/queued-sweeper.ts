import type { Logger } from "@atendo/telemetry";
import type { HeldChannelRef, HeldWebhookEvents } from "../store/held-webhook-events.js";
import type { QueuedWebhookEvents } from "../store/queued-webhook-events.js";
import type { HeldReleaser } from "./held-releaser.js";
import type { QueuedRowProcessor } from "./queued-row-processor.js";

export interface QueuedSweeperDeps {
  queued: QueuedWebhookEvents;
  processor: QueuedRowProcessor;
  held: HeldWebhookEvents;
  releaser: HeldReleaser;
  /** Resolves when the bus can take events; a pass that could publish nothing is skipped. */
  busReady: () => Promise<void>;
  logger: Logger;
  /** Channels with rows held within this window are checked for a lifted hold on every pass. */
  heldWithinMs: number;
  /** Every channel with held rows, whatever their age, is checked this often. */
  heldReconcileIntervalMs: number;
  /** Pause between sweeps. */
  intervalMs: number;
  /** Rows (and held channels) per query. Default 100. */
  batchSize?: number;
  now?: () => number;
}

/**
 * Republishes deliveries left `queued` whose next attempt is due, soonest first (a publish failed,
 * or the process died before marking the row): webhook_events is the outbox, and a row that keeps
 * failing moves back by its own backoff, so it never holds the others up. It also releases held
 * deliveries whose hold was lifted: on every pass those held lately (a replica that had not yet
 * heard of a reactivation may hold one after the reactivation's own release ran), and every
 * `heldReconcileIntervalMs` all of them, page by page (an event that never reached ingress).
 */
export interface QueuedSweeper {
  /** One pass; resolves with the number of rows it accepted. */
  sweepOnce(): Promise<number>;
  start(): void;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export function createQueuedSweeper(deps: QueuedSweeperDeps): QueuedSweeper {
  const { queued, processor, held, releaser, logger } = deps;
  const batchSize = deps.batchSize ?? 100;
  const now = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let lastReconcile = Number.NEGATIVE_INFINITY;

  async function sweepQueued(): Promise<number> {
    try {
      await deps.busReady();
    } catch (err) {
      // Nothing could be published: trying would only spend the rows' attempts.
      logger.warn({ err }, "the bus is unreachable; queued webhooks wait for the next sweep");
      return 0;
    }
    let accepted = 0;
    for (const ref of await queued.findDue(batchSize)) {
      if (stopped) break;
      try {
        if ((await processor.process(ref.id, ref.tenantId)) === "accepted") accepted++;
      } catch (err) {
        // The database failed mid-row (the row's own failures are recorded by the processor).
        logger.warn({ err, correlation_id: ref.id }, "sweeping a queued webhook failed; retrying later");
      }
    }
    return accepted;
  }

  async function release(refs: HeldChannelRef[]): Promise<number> {
    let accepted = 0;
    for (const ref of refs) {
      if (stopped) break;
      try {
        accepted += (await releaser.release(ref)).accepted;
      } catch (err) {
        logger.warn({ err, channel_id: ref.channelId }, "rechecking held webhooks failed; retrying later");
      }
    }
    return accepted;
  }

  async function reconcileHeld(): Promise<number> {
    if (now() - lastReconcile < deps.heldReconcileIntervalMs) return 0;
    lastReconcile = now();
    let accepted = 0;
    let channels = 0;
    let after: string | undefined;
    for (;;) {
      if (stopped) break;
      const page = await held.heldChannelsAfter(after, batchSize);
      channels += page.length;
      accepted += await release(page);
      after = page.at(-1)?.channelId;
      if (page.length < batchSize) break;
    }
    logger.info({ channels, accepted }, "held webhooks reconciled");
    return accepted;
  }

  async function sweepOnce(): Promise<number> {
    return (
      (await sweepQueued()) +
      (await release(await held.recentlyHeld(deps.heldWithinMs, batchSize))) +
      (await reconcileHeld())
    );
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweepOnce()
        .catch((err: unknown) => logger.warn({ err }, "webhook sweep failed"))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, deps.intervalMs);
  }

  return {
    sweepOnce,
    start() {
      stopped = false;
      if (timer === undefined && running === undefined) schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
