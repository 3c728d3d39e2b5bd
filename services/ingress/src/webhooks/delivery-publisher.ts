import { type Bus, subjectFor } from "@atendo/bus";
import {
  ContactSyncReceivedSchema,
  HistorySyncProgressedSchema,
  type MediaFetchRequested,
  MediaFetchRequestedSchema,
  MessageChangeReceivedSchema,
  MessageReceivedSchema,
  StatusReceivedSchema,
} from "@atendo/proto/ingress/v1";
import type { Logger, ServiceMetrics } from "@atendo/telemetry";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { encodedEvent } from "../domain/event-budget.js";
import type { Outgoing, SplitDelivery } from "../domain/split-delivery.js";
import { mediaFetchMsgId, mediaFetchRequestOf } from "../media/media-fetch-request.js";

/** Publishes the events of one stored delivery. */
export interface DeliveryPublisher {
  /**
   * Publishes every event at once, asynchronously: each is sent without waiting for the previous
   * one's acknowledgement, and the bus bounds the publishes waiting for one
   * (`maxPublishesInFlight`). msgIDs are the dedupe keys of docs/meta-wire-format.md, rule 5. Resolves
   * with undefined when all of them are in the stream, else with the first failure's message
   * (logged at debug): the caller keeps the row queued, or says the publish failed. A message with
   * media still on Meta's side also gets its MediaFetchRequested in the same batch (the media
   * fetcher reads those, not every message).
   */
  publish(split: SplitDelivery, log: Logger | (() => Logger)): Promise<string | undefined>;
}

export interface DeliveryPublisherDeps {
  bus: Bus;
  metrics: ServiceMetrics;
  /** Crash tests only: every `publish` waits for this, which never settles (see crash-point.ts). */
  stallBeforePublish?: () => Promise<never>;
}

export function createDeliveryPublisher(deps: DeliveryPublisherDeps): DeliveryPublisher {
  const { bus, metrics, stallBeforePublish } = deps;
  // Counted under the event's subject name (without a test namespace), named once.
  const types = new Map<DescMessage, string>();
  const typeOf = (schema: DescMessage): string => {
    let type = types.get(schema);
    if (type === undefined) {
      type = subjectFor(schema);
      types.set(schema, type);
    }
    return type;
  };

  function publishAll<D extends DescMessage>(schema: D, items: Outgoing<MessageShape<D>>[]): Promise<void>[] {
    if (items.length === 0) return [];
    const type = typeOf(schema);
    return items.map(async ({ msgId, event }) => {
      // The bytes fitEvent measured: each event is encoded once.
      const ack = await bus.publish(schema, event, { msgId, data: encodedEvent(schema, event) });
      metrics.recordEvent(type, ack.duplicate ? "duplicate" : "ok");
    });
  }

  /** A MediaFetchRequested per message whose media is still on Meta's side (none for most). */
  function fetchRequests(split: SplitDelivery): Outgoing<MediaFetchRequested>[] {
    const requests: Outgoing<MediaFetchRequested>[] = [];
    for (const { event } of split.messages) {
      const request = mediaFetchRequestOf(event);
      if (request !== undefined) requests.push({ msgId: mediaFetchMsgId(request), event: request });
    }
    return requests;
  }

  return {
    async publish(split, log) {
      if (stallBeforePublish !== undefined) await stallBeforePublish();
      const results = await Promise.allSettled([
        ...publishAll(MessageReceivedSchema, split.messages),
        ...publishAll(MediaFetchRequestedSchema, fetchRequests(split)),
        ...publishAll(StatusReceivedSchema, split.statuses),
        ...publishAll(MessageChangeReceivedSchema, split.changes),
        ...publishAll(ContactSyncReceivedSchema, split.contactSyncs),
        ...publishAll(HistorySyncProgressedSchema, split.historyProgress),
      ]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failures.length === 0) return undefined;
      const first: unknown = failures[0]?.reason;
      // A request's logger is made only when it has something to say.
      (typeof log === "function" ? log() : log).debug(
        { err: first, failed: failures.length, events: results.length },
        "publishing webhook events failed",
      );
      return first instanceof Error ? first.message : String(first);
    },
  };
}
