import { randomUUID } from "node:crypto";
import type { Bus, Consumer } from "@atendo/bus";
import { newEventMeta } from "@atendo/bus";
import {
  ContactSyncReceivedSchema,
  HistorySyncProgressedSchema,
  type MessageChangeReceived,
  MessageChangeReceivedSchema,
  type MessageReceived,
  MessageReceivedSchema,
  type StatusReceived,
  StatusReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export interface Collected<T> {
  event: T;
  /** JetStream msgID the event was published with. */
  msgId: string;
}

/**
 * Everything on the ingress stream of a namespace, in stream order. `settle()` publishes a marker
 * and waits until it comes back: every event published before it has then been collected, so a
 * test can assert that something was NOT published without sleeping.
 */
export interface EventCollector {
  messages(channelId: string): Collected<MessageReceived>[];
  statuses(channelId: string): Collected<StatusReceived>[];
  /** The other kinds of a split (message changes, contact syncs, history progress) of a channel. */
  of<D extends DescMessage>(schema: D, channelId: string): Collected<MessageShape<D>>[];
  changes(channelId: string): Collected<MessageChangeReceived>[];
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const MARKER_CHANNEL = "collector-marker";

export async function collectIngressEvents(bus: Bus): Promise<EventCollector> {
  const messages: Collected<MessageReceived>[] = [];
  const statuses: Collected<StatusReceived>[] = [];
  const others = new Map<string, Collected<{ channelId: string }>[]>();
  const markers = new Set<string>();
  const consumer: Consumer = await bus.consume({
    durable: `test-collector-${randomUUID().slice(0, 8)}`,
    schema: [
      MessageReceivedSchema,
      StatusReceivedSchema,
      MessageChangeReceivedSchema,
      ContactSyncReceivedSchema,
      HistorySyncProgressedSchema,
    ],
    concurrency: 1, // stream order: the marker arrives after everything published before it
    maxDeliver: 1,
    handler: (event, ctx) => {
      const msgId = ctx.headers["Nats-Msg-Id"] ?? "";
      if (event.$typeName === MessageReceivedSchema.typeName) messages.push({ event, msgId });
      else if (event.$typeName !== StatusReceivedSchema.typeName) {
        const list = others.get(event.$typeName) ?? [];
        list.push({ event, msgId });
        others.set(event.$typeName, list);
      } else if (event.channelId === MARKER_CHANNEL) markers.add(event.externalMessageId);
      else statuses.push({ event, msgId });
    },
  });
  return {
    messages: (channelId) => messages.filter((m) => m.event.channelId === channelId),
    statuses: (channelId) => statuses.filter((s) => s.event.channelId === channelId),
    of: <D extends DescMessage>(schema: D, channelId: string) =>
      (others.get(schema.typeName) ?? []).filter(
        (e) => e.event.channelId === channelId,
      ) as unknown as Collected<MessageShape<D>>[],
    changes: (channelId) =>
      (others.get(MessageChangeReceivedSchema.typeName) ?? []).filter(
        (e) => e.event.channelId === channelId,
      ) as unknown as Collected<MessageChangeReceived>[],
    async settle() {
      const marker = randomUUID();
      await bus.publish(
        StatusReceivedSchema,
        create(StatusReceivedSchema, {
          meta: newEventMeta({ tenantId: randomUUID(), workspaceId: randomUUID(), correlationId: marker }),
          channelId: MARKER_CHANNEL,
          externalMessageId: marker,
        }),
      );
      await waitFor(() => markers.has(marker), { message: "the collector to reach its marker" });
    },
    stop: () => consumer.stop(),
  };
}
