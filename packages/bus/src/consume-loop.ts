import type { ConsumerMessages, JetStreamClient, Consumer as JsConsumer, JsMsg } from "@nats-io/jetstream";
import { retryDelayMs } from "./backoff.js";
import type { BusMetrics } from "./bus-metrics.js";
import type { Consumer } from "./consume-options.js";
import type { BusLogger } from "./logger.js";
import type { MessageProcessor } from "./message-processor.js";
import { sleep } from "./sleep.js";

export type ConsumeLoopDeps = {
  js: JetStreamClient;
  stream: string;
  durable: string;
  concurrency: number;
  maxDeliver: number;
  process: MessageProcessor;
  /** Re-provisions the durable consumer after a failed fetch (it may have been deleted). */
  provision: () => Promise<void>;
  logger: BusLogger;
  metrics: BusMetrics;
};

// How long one pull request waits on the server for messages; stop() cancels it at once.
const FETCH_EXPIRES_MS = 10_000;
const FETCH_RETRY = { initial: 250, max: 10_000 };

/**
 * Pulls with bounded concurrency: each fetch asks for exactly the free handler slots, so no message
 * waits in a client buffer while its ack wait runs, and never more than `concurrency` handlers run.
 */
export function startConsumeLoop(deps: ConsumeLoopDeps): Consumer {
  const { js, stream, durable, concurrency, maxDeliver, logger, metrics } = deps;
  const labels = { stream, durable };
  const stopController = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let current: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  let stopped: Promise<void> | undefined;

  function notify(): void {
    const w = wake;
    wake = undefined;
    w?.();
  }

  function waitForSlot(): Promise<void> {
    if (inFlight.size < concurrency || stopController.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      wake = resolve;
    });
  }

  function dispatch(msg: JsMsg): void {
    if (msg.info.deliveryCount > 1) metrics.redelivered(labels);
    if (stopController.signal.aborted && msg.info.deliveryCount < maxDeliver) {
      // Arrived after stop(): hand it back now instead of letting its ack wait run out.
      msg.nak();
      metrics.consumed(labels, "nak");
      return;
    }
    const task = deps
      .process(msg, stopController.signal)
      .catch((err: unknown) => {
        // The processor settles every outcome itself; this is a bug guard, the server redelivers.
        logger.error({ err, stream_seq: msg.seq }, "message processing crashed");
      })
      .finally(() => {
        inFlight.delete(task);
        notify();
      });
    inFlight.add(task);
  }

  async function run(): Promise<void> {
    let consumer: JsConsumer | undefined;
    let failures = 0;
    while (!stopController.signal.aborted) {
      await waitForSlot();
      if (stopController.signal.aborted) break;
      try {
        if (consumer === undefined) consumer = await js.consumers.get(stream, durable);
        const messages = await consumer.fetch({
          max_messages: concurrency - inFlight.size,
          expires: FETCH_EXPIRES_MS,
        });
        current = messages;
        // stop() may have run while the fetch was being set up.
        if (stopController.signal.aborted) messages.stop();
        for await (const msg of messages) dispatch(msg);
        failures = 0;
      } catch (err) {
        if (stopController.signal.aborted) break;
        failures++;
        const delay = retryDelayMs(failures, FETCH_RETRY);
        logger.warn({ err, retry_in_ms: delay }, "fetch failed; retrying");
        await sleep(delay, stopController.signal);
        consumer = undefined;
        await deps.provision().catch((provisionErr: unknown) => {
          logger.warn({ err: provisionErr }, "consumer provisioning failed; retrying");
        });
      } finally {
        current = undefined;
      }
    }
  }

  const running = run();

  return {
    stream,
    durable,
    stop() {
      stopped ??= (async () => {
        stopController.abort(new Error("consumer stopping"));
        current?.stop();
        notify();
        await running;
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        logger.info({}, "consumer stopped");
      })();
      return stopped;
    },
  };
}
