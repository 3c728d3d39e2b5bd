import { type Bus, subjectFor } from "@atendo/bus";
import { MessageReceivedSchema, StatusReceivedSchema } from "@atendo/proto/ingress/v1";
import type { Logger, ServiceMetrics } from "@atendo/telemetry";
import type { SplitDelivery } from "../domain/split-delivery.js";

/** Publishes the events of one stored delivery. */
export interface DeliveryPublisher {
  /**
   * Publishes every event at once (msgIDs are the dedupe keys of docs/channels.md, rule 5). Resolves
   * with undefined when all of them are in the stream, else with the first failure's message
   * (logged at debug): the caller keeps the row queued, or says the publish failed.
   */
  publish(split: SplitDelivery, log: Logger): Promise<string | undefined>;
}

// Counted under the event's subject name (without a test namespace).
const MESSAGE_TYPE = subjectFor(MessageReceivedSchema);
const STATUS_TYPE = subjectFor(StatusReceivedSchema);

export function createDeliveryPublisher(deps: { bus: Bus; metrics: ServiceMetrics }): DeliveryPublisher {
  const { bus, metrics } = deps;
  return {
    async publish(split, log) {
      const results = await Promise.allSettled([
        ...split.messages.map(async ({ msgId, event }) => {
          const ack = await bus.publish(MessageReceivedSchema, event, { msgId });
          metrics.recordEvent(MESSAGE_TYPE, ack.duplicate ? "duplicate" : "ok");
        }),
        ...split.statuses.map(async ({ msgId, event }) => {
          const ack = await bus.publish(StatusReceivedSchema, event, { msgId });
          metrics.recordEvent(STATUS_TYPE, ack.duplicate ? "duplicate" : "ok");
        }),
      ]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failures.length === 0) return undefined;
      const first: unknown = failures[0]?.reason;
      log.debug(
        { err: first, failed: failures.length, events: results.length },
        "publishing webhook events failed",
      );
      return first instanceof Error ? first.message : String(first);
    },
  };
}
