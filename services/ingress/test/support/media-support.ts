import { randomBytes, randomUUID } from "node:crypto";
import type { Consumer } from "@atendo/bus";
import { newEventMeta } from "@atendo/bus";
import { ChannelType, type MediaKind, MediaState } from "@atendo/proto/common/v1";
import {
  MediaFetchRequestedSchema,
  type MediaStored,
  MediaStoredSchema,
  MessageReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MEDIA_FETCH_DURABLE } from "../../src/media/media-fetch-consumer.js";
import { mediaFetchMsgId, mediaFetchRequestOf } from "../../src/media/media-fetch-request.js";
import type { Harness, Owner } from "./harness.js";

/** Every MediaStored of the run's namespace, as published (with its msgID). */
export async function collectMediaStored(h: Harness) {
  const seen: { event: MediaStored; msgId: string }[] = [];
  const consumer: Consumer = await h.bus.consume({
    durable: `test-media-${randomUUID().slice(0, 8)}`,
    schema: MediaStoredSchema,
    concurrency: 1,
    maxDeliver: 1,
    handler: (event, ctx) => {
      seen.push({ event, msgId: ctx.headers["Nats-Msg-Id"] ?? "" });
    },
  });
  return {
    all: (externalMessageId: string) => seen.filter((s) => s.event.externalMessageId === externalMessageId),
    async one(externalMessageId: string, timeoutMs = 20_000): Promise<MediaStored> {
      const found = await waitFor(() => seen.find((s) => s.event.externalMessageId === externalMessageId), {
        timeoutMs,
        message: () => `MediaStored of ${externalMessageId}`,
      });
      return found.event;
    },
    /** Resolves once every MediaStored published before the call was collected (a marker comes back). */
    async settled(): Promise<void> {
      const marker = `marker-${randomUUID()}`;
      await h.bus.publish(
        MediaStoredSchema,
        create(MediaStoredSchema, {
          meta: newEventMeta({ tenantId: randomUUID(), workspaceId: randomUUID(), correlationId: marker }),
          externalMessageId: marker,
        }),
      );
      await waitFor(() => seen.some((s) => s.event.externalMessageId === marker), {
        timeoutMs: 10_000,
        message: () => "the MediaStored marker",
      });
    },
    stop: () => consumer.stop(),
  };
}

export interface InboundMedia {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelType;
  kind: MediaKind;
  channelMediaId?: string;
  url?: string;
  sha256?: string;
  mimeType?: string;
  state?: MediaState;
}

/**
 * Publishes a MessageReceived with media as the webhook path would (msgID = the message id), with
 * its MediaFetchRequested when the webhook path would send one.
 */
export async function publishInboundMedia(h: Harness, m: InboundMedia): Promise<string> {
  return (await publishInboundMediaAck(h, m)).externalMessageId;
}

/**
 * The same, returning the fetch request's stream and sequence (undefined when none was due: the
 * fetcher is never told); `externalMessageId` repeats a message.
 */
export async function publishInboundMediaAck(
  h: Harness,
  m: InboundMedia & { externalMessageId?: string; msgId?: string },
): Promise<{ externalMessageId: string; stream: string; seq: number | undefined }> {
  const externalMessageId =
    m.externalMessageId ??
    (m.channelType === ChannelType.INSTAGRAM
      ? `aWdfZAG1${randomBytes(12).toString("hex")}`
      : `wamid.${randomBytes(12).toString("hex")}`);
  const event = create(MessageReceivedSchema, {
    meta: newEventMeta({ tenantId: m.tenantId, workspaceId: m.workspaceId, correlationId: randomUUID() }),
    webhookEventId: randomUUID(),
    channelId: m.channelId,
    channelType: m.channelType,
    externalMessageId,
    contact: { externalId: "15551234567" },
    message: {
      content: {
        case: "media",
        value: {
          kind: m.kind,
          media: {
            channelMediaId: m.channelMediaId ?? "",
            url: m.url ?? "",
            sha256: m.sha256 ?? "",
            mimeType: m.mimeType ?? "",
            state: m.state ?? MediaState.PENDING,
          },
        },
      },
    },
  });
  const msgId = m.msgId ?? externalMessageId;
  const ack = await h.bus.publish(MessageReceivedSchema, event, { msgId });
  const request = mediaFetchRequestOf(event);
  if (request === undefined) return { externalMessageId, stream: ack.stream, seq: undefined };
  // A replay under another msgID is a new request too (past JetStream's duplicate window).
  const requestMsgId =
    msgId === externalMessageId ? mediaFetchMsgId(request) : `${mediaFetchMsgId(request)}:${msgId}`;
  const sent = await h.bus.publish(MediaFetchRequestedSchema, request, { msgId: requestMsgId });
  return { externalMessageId, stream: sent.stream, seq: sent.seq };
}

/** An Instagram channel of the owner's workspace (Graph base from the tenant service's defaults). */
export async function createInstagramChannel(owner: Owner): Promise<{ channelId: string }> {
  const { channel } = await owner.clients.channels.createChannel({
    workspaceId: owner.workspaceId,
    name: `Instagram ${randomBytes(3).toString("hex")}`,
    config: {
      case: "instagram",
      value: {
        accountId: `1784${Date.now()}${randomBytes(2).readUInt16BE()}`,
        accessToken: `IGAA-${randomBytes(8).toString("hex")}`,
        appSecret: `ig-secret-${randomBytes(8).toString("hex")}`,
        verifyToken: `ig-verify-${randomBytes(8).toString("hex")}`,
      },
    },
  });
  return { channelId: channel?.id ?? "" };
}

/**
 * Resolves once the media fetcher's durable has acked every event up to stream sequence `seq`
 * (without one, once it has nothing pending): what it did with them is then all there is to see
 * (no sleeping).
 */
export async function mediaFetcherPast(h: Harness, stream: string, seq: number | undefined): Promise<void> {
  const nc = await connect({ servers: h.env.natsUrl, name: "ingress-test-media-admin" });
  try {
    const jsm = await jetstreamManager(nc);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(stream, MEDIA_FETCH_DURABLE);
        if (seq !== undefined) return info.ack_floor.stream_seq >= seq || undefined;
        return (info.num_pending === 0 && info.num_ack_pending === 0) || undefined;
      },
      { timeoutMs: 20_000, message: () => `the media fetcher acked up to ${seq}` },
    );
  } finally {
    await nc.close();
  }
}
