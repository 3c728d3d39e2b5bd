import type { Attributes, BatchObservableCallback, MeterProvider } from "@opentelemetry/api";
import type { BusLogger } from "./logger.js";

/** What a publish came to: stored, dropped as a duplicate msgID, or failed. */
export type PublishOutcome = "ok" | "duplicate" | "error";

/**
 * How the bus settled a delivery: acked, handed back for a retry (nak), terminated after its dead
 * letter was written (term), or left to the server after the handler outlived its ack wait (expired).
 */
export type ConsumeOutcome = "ack" | "nak" | "term" | "expired";

/** The server's counts of a durable consumer: stored events not delivered yet, and delivered but unacked. */
export type ConsumerLag = { pending: number; ackPending: number };

export type BusMetrics = {
  published(labels: { stream: string; subject: string }, outcome: PublishOutcome): void;
  consumed(labels: DurableLabels, outcome: ConsumeOutcome): void;
  /** A delivery whose delivery count is above 1. */
  redelivered(labels: DurableLabels): void;
  /** A dead letter written (not one deduplicated against an earlier record). */
  deadLettered(labels: DurableLabels): void;
  /** Reports the durable's lag at each scrape until the returned function is called. */
  watchLag(labels: DurableLabels): () => void;
  /** Stops the lag observations (the registry may outlive the bus). */
  close(): void;
};

export type DurableLabels = { stream: string; durable: string };

/**
 * The bus's instruments. Labels are bounded: streams, subjects (one per event type) and durable
 * names, never a tenant or message id. Lag is read from the server when metrics are collected, not
 * on a timer: one consumer info request per durable per scrape, and nothing when nobody scrapes.
 */
export function createBusMetrics(deps: {
  meterProvider: MeterProvider;
  readLag: (labels: DurableLabels) => Promise<ConsumerLag>;
  logger: BusLogger;
}): BusMetrics {
  const meter = deps.meterProvider.getMeter("@atendo/bus");
  const published = meter.createCounter("atendo.bus.published", {
    description: "Events published, by stream, subject and outcome (ok, duplicate, error)",
  });
  const consumed = meter.createCounter("atendo.bus.consumed", {
    description: "Deliveries settled by a durable consumer, by outcome (ack, nak, term, expired)",
  });
  const redelivered = meter.createCounter("atendo.bus.redelivered", {
    description: "Deliveries of an event a consumer already received once (delivery count above 1)",
  });
  const deadLettered = meter.createCounter("atendo.bus.dead_lettered", {
    description: "Events a durable consumer gave up on and recorded in the dead-letter stream",
  });
  const pending = meter.createObservableGauge("atendo.bus.consumer.pending", {
    description: "Stored events a durable consumer has not been delivered yet (its lag), read at each scrape",
  });
  const ackPending = meter.createObservableGauge("atendo.bus.consumer.ack_pending", {
    description: "Events delivered to a durable consumer and not acknowledged yet, read at each scrape",
  });

  // Keyed by stream and durable: two consumers of one durable in a process report it once.
  const watched = new Map<string, { labels: DurableLabels; watchers: number }>();
  const observeLag: BatchObservableCallback = async (result) => {
    await Promise.all(
      [...watched.values()].map(async ({ labels }) => {
        try {
          const lag = await deps.readLag(labels);
          const attributes: Attributes = { ...labels };
          result.observe(pending, lag.pending, attributes);
          result.observe(ackPending, lag.ackPending, attributes);
        } catch (err) {
          // No value rather than a stale one; readiness reports the outage.
          deps.logger.debug({ err, ...labels }, "consumer lag could not be read");
        }
      }),
    );
  };
  meter.addBatchObservableCallback(observeLag, [pending, ackPending]);

  return {
    published: (labels, outcome) => published.add(1, { ...labels, outcome }),
    consumed: (labels, outcome) => consumed.add(1, { ...labels, outcome }),
    redelivered: (labels) => redelivered.add(1, { ...labels }),
    deadLettered: (labels) => deadLettered.add(1, { ...labels }),
    watchLag(labels) {
      const key = `${labels.stream}\u0000${labels.durable}`;
      const entry = watched.get(key) ?? { labels, watchers: 0 };
      entry.watchers++;
      watched.set(key, entry);
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        entry.watchers--;
        if (entry.watchers === 0) watched.delete(key);
      };
    },
    close() {
      watched.clear();
      meter.removeBatchObservableCallback(observeLag, [pending, ackPending]);
    },
  };
}
