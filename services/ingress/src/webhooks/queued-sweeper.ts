import type { Db } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { clip } from "../domain/json-read.js";
import { splitWhatsAppDelivery } from "../domain/whatsapp-delivery.js";
import type { QueuedWebhookEvents } from "../store/queued-webhook-events.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";

export interface QueuedSweeperDeps {
  db: Db;
  queued: QueuedWebhookEvents;
  channels: ChannelDirectory;
  publisher: DeliveryPublisher;
  logger: Logger;
  /** Rows queued for longer than this are republished (the request that stored them gave up). */
  queuedAfterMs: number;
  /** Pause between sweeps. */
  intervalMs: number;
  maxInboundAgeMs: number;
  /** Rows per sweep. Default 100. */
  batchSize?: number;
}

/**
 * Republishes deliveries left `queued` (a publish failed, or the process died before marking the
 * row): webhook_events is the outbox. Each row is locked (SKIP LOCKED, so replicas share the work),
 * split again from its raw body and published with the same msgIDs and event ids, then accepted.
 */
export interface QueuedSweeper {
  /** One pass; resolves with the number of rows it accepted. */
  sweepOnce(): Promise<number>;
  start(): void;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export function createQueuedSweeper(deps: QueuedSweeperDeps): QueuedSweeper {
  const { db, queued, channels, publisher, logger } = deps;
  const batchSize = deps.batchSize ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function sweepRow(id: string, tenantId: string): Promise<boolean> {
    const log = withContext(logger, { tenantId, correlationId: id });
    return db.withTenant(tenantId, async (em) => {
      const row = await queued.claim(em, id);
      if (row === undefined) return false; // done meanwhile, or another replica holds it
      if (row.channel_type !== "whatsapp") return false;
      const channel = await channels.resolve(row.channel_id);
      if (channel?.type !== ChannelType.WHATSAPP || channel.whatsapp === undefined) {
        // Nothing to check the body against any more; the row keeps it for inspection.
        await queued.markAccepted(em, id, {
          messageCount: 0,
          statusCount: 0,
          reason: "channel no longer exists; nothing published",
        });
        return true;
      }
      const parts = splitWhatsAppDelivery(row.body, {
        webhookEventId: row.id,
        tenantId: row.tenant_id,
        workspaceId: row.workspace_id,
        channelId: row.channel_id,
        phoneNumberId: channel.whatsapp.phoneNumberId,
        receivedAt: row.received_at,
        maxInboundAgeMs: deps.maxInboundAgeMs,
      });
      if (!(await publisher.publish(parts, log))) return false;
      await queued.markAccepted(em, id, {
        messageCount: parts.messages.length,
        statusCount: parts.statuses.length,
        reason: clip(parts.notes.join("; "), 1000),
      });
      log.info({ events: parts.messages.length + parts.statuses.length }, "queued webhook republished");
      return true;
    });
  }

  async function sweepOnce(): Promise<number> {
    const refs = await queued.findStale(deps.queuedAfterMs, batchSize);
    let accepted = 0;
    for (const ref of refs) {
      if (stopped) break;
      try {
        if (await sweepRow(ref.id, ref.tenantId)) accepted++;
      } catch (err) {
        logger.warn({ err, correlationId: ref.id }, "sweeping a queued webhook failed; retrying later");
      }
    }
    return accepted;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweepOnce()
        .catch((err: unknown) => logger.warn({ err }, "webhook sweep failed"))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, deps.intervalMs);
  }

  return {
    sweepOnce,
    start() {
      stopped = false;
      if (timer === undefined && running === undefined) schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
