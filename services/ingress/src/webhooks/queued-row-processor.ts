import type { Db, EntityManager } from "@atendo/db";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { metaCredentialsOf } from "../domain/resolved-channel.js";
import { afterFailedAttempt, type RetryPolicy } from "../domain/retry-policy.js";
import type { SplitDelivery } from "../domain/split-delivery.js";
import type { WebhookEventsTable } from "../store/ingress-tables.js";
import type { QueuedWebhookEvents } from "../store/queued-webhook-events.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";
import { countsOf, type DeliverySplitter, deliveryOfRow } from "./delivery-splitter.js";
import type { WebhookMetrics } from "./webhook-metrics.js";

/** What processing a row came to. */
export type ProcessOutcome =
  /**
   * Published and accepted (or its channel is gone: accepted with nothing to publish; or its body
   * is for another account: ignored).
   */
  | "accepted"
  /** Not queued any more, or another replica holds it. */
  | "skipped"
  /** The attempt failed; the row waits for its next attempt. */
  | "retrying"
  /** The last attempt failed: the row is `failed` until replayed. */
  | "failed";

/**
 * Publishes one delivery left `queued` and accepts it: the row is locked (SKIP LOCKED, so replicas
 * and the sweeper share the work), split again from its raw body and published with the same msgIDs
 * and event ids as when it arrived, then marked accepted in the same transaction. Whatever goes
 * wrong with the row itself (its channel cannot be looked up, its body cannot be split, its events
 * cannot be published) is recorded on the row as a failed attempt with backoff, and after the last
 * attempt as `failed` (an error line and a metric), so one bad row never blocks the others.
 */
export interface QueuedRowProcessor {
  process(id: string, tenantId: string): Promise<ProcessOutcome>;
}

export interface QueuedRowProcessorDeps {
  db: Db;
  queued: QueuedWebhookEvents;
  channels: ChannelDirectory;
  splitter: DeliverySplitter;
  publisher: DeliveryPublisher;
  metrics: WebhookMetrics;
  retry: RetryPolicy;
  logger: Logger;
  now?: () => number;
}

type Attempt =
  | { kind: "published"; parts: SplitDelivery }
  | { kind: "channel_gone" }
  | { kind: "error"; error: string };

export function createQueuedRowProcessor(deps: QueuedRowProcessorDeps): QueuedRowProcessor {
  const { db, queued, channels, splitter, publisher, metrics, logger } = deps;
  const now = deps.now ?? Date.now;

  /** Everything that depends on the row's content or on other services; never throws. */
  async function attempt(row: WebhookEventsTable, log: Logger): Promise<Attempt> {
    try {
      if (row.channel_type !== "whatsapp" && row.channel_type !== "instagram") {
        return { kind: "error", error: `${row.channel_type} deliveries are not handled by this version` };
      }
      // The row's type picks the credentials: a channel that is now of another type is gone.
      const credentials = metaCredentialsOf(await channels.resolve(row.channel_id), row.channel_type);
      if (credentials === undefined) return { kind: "channel_gone" };
      const split = splitter.split(deliveryOfRow(row), credentials.accountId);
      if (!split.ok) return { kind: "error", error: split.error };
      // Not ours (any more): nothing to publish.
      if (split.parts.ignored !== undefined) return { kind: "published", parts: split.parts };
      const failure = await publisher.publish(split.parts, log);
      return failure === undefined
        ? { kind: "published", parts: split.parts }
        : { kind: "error", error: failure };
    } catch (err) {
      return { kind: "error", error: err instanceof Error ? err.message : String(err) };
    }
  }

  async function recordFailure(
    em: EntityManager,
    row: WebhookEventsTable,
    error: string,
    log: Logger,
  ): Promise<ProcessOutcome> {
    const attempts = row.attempts + 1;
    const next = afterFailedAttempt(attempts, deps.retry);
    if (next.failed) {
      await queued.markAttemptFailed(em, row.id, { attempts, error, nextAttemptAt: undefined });
      metrics.rowFailed();
      log.error(
        { attempts, error, channel_id: row.channel_id },
        "webhook failed: its events could not be published; replay it once the cause is fixed",
      );
      return "failed";
    }
    await queued.markAttemptFailed(em, row.id, {
      attempts,
      error,
      nextAttemptAt: new Date(now() + next.delayMs),
    });
    log.warn(
      { attempts, error, retry_in_ms: next.delayMs },
      "publishing a queued webhook failed; retrying later",
    );
    return "retrying";
  }

  return {
    process(id, tenantId) {
      const log = withContext(logger, { tenantId, correlationId: id });
      return db.withTenant(tenantId, async (em): Promise<ProcessOutcome> => {
        const row = await queued.claim(em, id);
        if (row === undefined) return "skipped"; // done meanwhile, or another replica holds it
        const result = await attempt(row, log);
        if (result.kind === "error") return recordFailure(em, row, result.error, log);
        if (result.kind === "channel_gone") {
          // Nothing to check the body against any more; the row keeps it for inspection.
          await queued.markAccepted(em, id, {
            messageCount: 0,
            statusCount: 0,
            reason: "channel no longer exists; nothing published",
          });
          return "accepted";
        }
        const { parts } = result;
        if (parts.ignored !== undefined) {
          await queued.markAccepted(em, id, {
            messageCount: 0,
            statusCount: 0,
            reason: parts.ignored,
            ignored: true,
          });
          log.info({ reason: parts.ignored }, "queued webhook ignored: not this channel's");
          return "accepted";
        }
        const counts = countsOf(parts);
        await queued.markAccepted(em, id, { ...counts, reason: parts.notes.join("; ") });
        log.info({ events: counts.messageCount + counts.statusCount }, "queued webhook published");
        return "accepted";
      });
    },
  };
}
