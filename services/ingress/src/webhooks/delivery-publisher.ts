import { type Bus, subjectFor } from "@atendo/bus";
import {
  ContactSyncReceivedSchema,
  HistorySyncProgressedSchema,
  MessageChangeReceivedSchema,
  MessageReceivedSchema,
  StatusReceivedSchema,
} from "@atendo/proto/ingress/v1";
import type { Logger, ServiceMetrics } from "@atendo/telemetry";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Outgoing, SplitDelivery } from "../domain/split-delivery.js";

/** Publishes the events of one stored delivery. */
export interface DeliveryPublisher {
  /**
   * Publishes every event at once (msgIDs are the dedupe keys of docs/channels.md, rule 5). Resolves
   * with undefined when all of them are in the stream, else with the first failure's message
   * (logged at debug): the caller keeps the row queued, or says the publish failed.
   */
  publish(split: SplitDelivery, log: Logger): Promise<string | undefined>;
}

export function createDeliveryPublisher(deps: { bus: Bus; metrics: ServiceMetrics }): DeliveryPublisher {
  const { bus, metrics } = deps;

  function publishAll<D extends DescMessage>(schema: D, items: Outgoing<MessageShape<D>>[]): Promise<void>[] {
    // Counted under the event's subject name (without a test namespace).
    const type = subjectFor(schema);
    return items.map(async ({ msgId, event }) => {
      const ack = await bus.publish(schema, event, { msgId });
      metrics.recordEvent(type, ack.duplicate ? "duplicate" : "ok");
    });
  }

  return {
    async publish(split, log) {
      const results = await Promise.allSettled([
        ...publishAll(MessageReceivedSchema, split.messages),
        ...publishAll(StatusReceivedSchema, split.statuses),
        ...publishAll(MessageChangeReceivedSchema, split.changes),
        ...publishAll(ContactSyncReceivedSchema, split.contactSyncs),
        ...publishAll(HistorySyncProgressedSchema, split.historyProgress),
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
