import type { Attributes, Meter, MeterProvider, ObservableResult } from "@opentelemetry/api";
import { metrics } from "@opentelemetry/api";

/** Outcome of handling one consumed event. */
export type EventOutcome = "ok" | "duplicate" | "retry" | "dead_letter" | "rejected";

export interface ServiceMetrics {
  /** The service's meter, for instruments only one service needs. */
  readonly meter: Meter;
  /** Records one served RPC: `method` as "package.Service/Method", `code` the Connect code or "ok". */
  recordRpc(durationSeconds: number, attributes: { method: string; code: string }): void;
  /** Counts one consumed event by its type (e.g. "atendo.ingress.v1.message_received") and outcome. */
  recordEvent(type: string, outcome: EventOutcome): void;
  /**
   * Reports the depth of a queue (an outbox table, a Redis buffer, a consumer backlog) each time
   * metrics are collected. Returns a function that stops reporting it.
   */
  observeDepth(queue: string, read: () => number | Promise<number>): () => void;
}

// Seconds; RPCs here range from sub-millisecond cache hits to multi-second model calls.
const RPC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The instruments every service shares. Uses the global meter provider unless one is given, so create
 * it after `startTelemetry` (before that the global provider is a no-op).
 */
export function createMetrics(service: string, meterProvider?: MeterProvider): ServiceMetrics {
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter(service);
  const rpcDuration = meter.createHistogram("rpc.server.call.duration", {
    description: "Duration of RPCs served",
    unit: "s",
    advice: { explicitBucketBoundaries: RPC_BUCKETS },
  });
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
    recordRpc(durationSeconds, { method, code }) {
      rpcDuration.record(durationSeconds, { "rpc.method": method, "rpc.response.status_code": code });
    },
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
