import type { Logger } from "@atendo/telemetry";
import type { HeldWebhookEvents } from "../store/held-webhook-events.js";
import type { QueuedWebhookEvents } from "../store/queued-webhook-events.js";
import type { HeldReleaser } from "./held-releaser.js";
import type { QueuedRowProcessor } from "./queued-row-processor.js";

export interface QueuedSweeperDeps {
  queued: QueuedWebhookEvents;
  processor: QueuedRowProcessor;
  held: HeldWebhookEvents;
  releaser: HeldReleaser;
  logger: Logger;
  /** Rows queued for longer than this are republished (the request that stored them gave up). */
  queuedAfterMs: number;
  /** Channels with rows held within this window are checked for a lifted hold. */
  heldWithinMs: number;
  /** Pause between sweeps. */
  intervalMs: number;
  /** Rows (and held channels) per sweep. Default 100. */
  batchSize?: number;
}

/**
 * Republishes deliveries left `queued` (a publish failed, or the process died before marking the
 * row): webhook_events is the outbox. It also releases deliveries held lately on a channel whose
 * hold is lifted: a replica that had not yet heard of a reactivation may hold one after the
 * reactivation's own release ran.
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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function sweepQueued(): Promise<number> {
    let accepted = 0;
    for (const ref of await queued.findStale(deps.queuedAfterMs, batchSize)) {
      if (stopped) break;
      try {
        if (await processor.process(ref.id, ref.tenantId)) accepted++;
      } catch (err) {
        logger.warn({ err, correlationId: ref.id }, "sweeping a queued webhook failed; retrying later");
      }
    }
    return accepted;
  }

  async function sweepHeld(): Promise<number> {
    let accepted = 0;
    for (const ref of await held.recentlyHeld(deps.heldWithinMs, batchSize)) {
      if (stopped) break;
      try {
        accepted += (await releaser.release(ref)).accepted;
      } catch (err) {
        logger.warn({ err, channelId: ref.channelId }, "rechecking held webhooks failed; retrying later");
      }
    }
    return accepted;
  }

  async function sweepOnce(): Promise<number> {
    return (await sweepQueued()) + (await sweepHeld());
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
