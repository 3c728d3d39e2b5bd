import type { Attributes, Meter, MeterProvider, ObservableResult } from "@opentelemetry/api";
import { metrics } from "@opentelemetry/api";

/** Outcome of handling one consumed event. */
export type EventOutcome = "ok" | "duplicate" | "retry" | "dead_letter" | "rejected";

export interface ServiceMetrics {
  /** The service's meter, for instruments only one service needs. */
  readonly meter: Meter;
  /** Counts one consumed event by its type (e.g. "atendo.ingress.v1.message_received") and outcome. */
  recordEvent(type: string, outcome: EventOutcome): void;
  /**
   * Reports the depth of a queue (an outbox table, a Redis buffer, a consumer backlog) each time
   * metrics are collected. Returns a function that stops reporting it.
   */
  observeDepth(queue: string, read: () => number | Promise<number>): () => void;
}

/**
 * Instruments a service records itself (RPCs and the bus record theirs in @atendo/service-kit and
 * @atendo/bus). Uses the global meter provider unless one is given: pass the process's
 * `MetricsRegistry.meterProvider` to see them on `/metrics`.
 */
export function createMetrics(service: string, meterProvider?: MeterProvider): ServiceMetrics {
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter(service);
  const eventsHandled = meter.createCounter("atendo.events.handled", {
    description: "Consumed events by type and outcome",
    unit: "{event}",
  });
  const queueDepth = meter.createObservableGauge("atendo.queue.depth", {
    description: "Items waiting in a queue or outbox",
    unit: "{item}",
  });

  return {
    meter,
    recordEvent(type, outcome) {
      eventsHandled.add(1, { "event.type": type, outcome });
    },
    observeDepth(queue, read) {
      const attributes: Attributes = { queue };
      const callback = async (result: ObservableResult) => {
        result.observe(await read(), attributes);
      };
      queueDepth.addCallback(callback);
      return () => queueDepth.removeCallback(callback);
    },
  };
}
