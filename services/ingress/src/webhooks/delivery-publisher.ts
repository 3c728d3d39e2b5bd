import { type Bus, subjectFor } from "@atendo/bus";
import { MessageReceivedSchema, StatusReceivedSchema } from "@atendo/proto/ingress/v1";
import type { Logger, ServiceMetrics } from "@atendo/telemetry";
import type { SplitDelivery } from "../domain/whatsapp-delivery.js";

/** Publishes the events of one stored delivery. */
export interface DeliveryPublisher {
  /**
   * Publishes every event at once (rule 5 dedupe keys as msgIDs). True when all of them are in the
   * stream; false when any failed (logged): the row then stays queued for the sweeper.
   */
  publish(split: SplitDelivery, log: Logger): Promise<boolean>;
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
      if (failures.length === 0) return true;
      log.warn(
        { err: failures[0]?.reason, failed: failures.length, events: results.length },
        "publishing webhook events failed; the sweeper will retry",
      );
      return false;
    },
  };
}
