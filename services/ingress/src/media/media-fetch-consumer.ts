import { type Bus, type Consumer, TransientError } from "@atendo/bus";
import type { Db, Outbox } from "@atendo/db";
import type { MediaStore } from "@atendo/media";
import { MediaFetchRequestedSchema, MediaStoredSchema } from "@atendo/proto/ingress/v1";
import {
  type ChannelDirectory,
  ChannelLookupError,
  type ResolvedChannel,
} from "../clients/channel-directory.js";
import { MediaFetchFailure } from "./media-failure.js";
import type { MediaFetcher, MediaFile } from "./media-fetcher.js";
import { mediaIdOf } from "./media-id.js";
import { type MediaRecord, mediaRecords } from "./media-records.js";
import { mediaStoredEvent, mediaStoredMsgId } from "./media-stored-event.js";

/**
 * Its own durable on MediaFetchRequested (the former `ingress-media_fetch` read every
 * MessageReceived; that one is no longer read and may be deleted once it holds nothing pending).
 */
export const MEDIA_FETCH_DURABLE = "ingress-media_fetch_requested";

export interface MediaRetry {
  /** Deliveries of one message tried before a retryable failure becomes final. */
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
}

export interface MediaFetchDeps {
  bus: Bus;
  db: Db;
  outbox: Outbox;
  channels: ChannelDirectory;
  fetcher: MediaFetcher;
  store: MediaStore;
  retry: MediaRetry;
  /** Fetches in flight in this process. */
  concurrency: number;
}

const REASON_MAX = 500;

/**
 * Fetches the media of every received message that has some on Meta's side once (each such message
 * comes with a MediaFetchRequested, media-fetch-request.ts): the bytes go to the store under an id derived
 * from the message, then the record and its MediaStored commit together (ingress's outbox). A
 * redelivery finds the record and does nothing; one that comes after a crash between the two
 * writes the same object again. Retryable failures are retried with backoff by the bus, and become
 * FAILED on the last attempt allowed.
 */
export function startMediaFetchConsumer(deps: MediaFetchDeps): Promise<Consumer> {
  const { bus, db, outbox, channels, fetcher, store, retry } = deps;

  async function settle(record: Omit<MediaRecord, "createdAt">, correlationId: string): Promise<boolean> {
    return db.withTenant(record.tenantId, async (em) => {
      const inserted = await mediaRecords.insert(em, record);
      if (inserted) {
        await outbox.add(em, [
          bus.encode(MediaStoredSchema, mediaStoredEvent(record, correlationId), {
            msgId: mediaStoredMsgId(record),
          }),
        ]);
      }
      return inserted;
    });
  }

  /**
   * The channel (undefined when it is gone). A tenant service that cannot answer is retried like a
   * media host that cannot; on the last attempt it is the reason the media failed.
   */
  async function resolveChannel(
    channelId: string,
    lastTry: boolean,
  ): Promise<{ found?: ResolvedChannel | undefined; lookupError?: string }> {
    try {
      return { found: await channels.resolve(channelId) };
    } catch (err) {
      if (!(err instanceof ChannelLookupError)) throw err;
      if (!lastTry) throw new TransientError(err.message, { cause: err });
      return { lookupError: err.message };
    }
  }

  return bus.consume({
    durable: MEDIA_FETCH_DURABLE,
    schema: MediaFetchRequestedSchema,
    concurrency: deps.concurrency,
    // The last allowed attempt records FAILED itself; the spare deliveries cover a crash meanwhile.
    maxDeliver: retry.maxAttempts + 3,
    backoffMs: { initial: retry.initialMs, max: retry.maxMs },
    handler: async (event, ctx) => {
      const { media } = event;
      if (media === undefined) return;
      const tenantId = ctx.meta.tenantId;
      const { channelId, externalMessageId } = event;
      const existing = await db.withTenant(tenantId, (em) =>
        mediaRecords.findByMessage(em, channelId, externalMessageId),
      );
      if (existing !== undefined) return;

      const lastTry = ctx.deliveryCount >= retry.maxAttempts;
      const channel = await resolveChannel(channelId, lastTry);
      const base = {
        id: mediaIdOf(channelId, externalMessageId),
        tenantId,
        // The channel's own workspace (GetMedia looks media up by it).
        workspaceId: channel.found?.workspaceId ?? ctx.meta.workspaceId,
        channelId,
        channelType: event.channelType,
        externalMessageId,
      };
      const failed = (reason: string): Omit<MediaRecord, "createdAt"> => ({
        ...base,
        state: "failed",
        mimeType: "",
        sizeBytes: 0,
        sha256: "",
        failureReason: reason.slice(0, REASON_MAX),
        store: "",
      });
      const correlationId = ctx.meta.correlationId;

      let file: MediaFile;
      try {
        if (channel.lookupError !== undefined) {
          throw new MediaFetchFailure(channel.lookupError, true);
        }
        if (channel.found === undefined || channel.found.tenantId !== tenantId) {
          throw new MediaFetchFailure("the channel no longer exists", false);
        }
        file = await fetcher.fetch(channel.found, media, ctx.signal);
      } catch (err) {
        if (!(err instanceof MediaFetchFailure)) throw err;
        if (err.retryable && !lastTry) throw new TransientError(err.reason, { cause: err });
        const reason = err.retryable
          ? `gave up after ${ctx.deliveryCount} attempts: ${err.reason}`
          : err.reason;
        ctx.logger.warn({ channel_id: channelId, reason }, "media not stored");
        await settle(failed(reason), correlationId);
        return;
      }

      ctx.working();
      await store.put({ tenantId, mediaId: base.id }, file.bytes, {
        mimeType: file.mimeType,
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
      });
      await settle(
        {
          ...base,
          state: "stored",
          mimeType: file.mimeType,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          failureReason: "",
          store: store.kind,
        },
        correlationId,
      );
    },
  });
}
