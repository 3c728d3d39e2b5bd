import type { EntityManager } from "@atendo/db";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { metaCredentialsOf } from "../domain/resolved-channel.js";
import type { IngressTables } from "../store/ingress-tables.js";
import type { QueuedWebhookEvents } from "../store/queued-webhook-events.js";
import { holdReason } from "./channel-gate.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";
import { countsOf, type DeliverySplitter, deliveryOfRow } from "./delivery-splitter.js";

/** Why a delivery cannot be replayed now. */
export type ReplayRefusal = "rejected" | "held" | "channel_gone" | "unparsable";

export type ReplayOutcome =
  | { kind: "replayed"; events: number }
  | { kind: "not_found" }
  /** The delivery cannot be replayed now; `reason` says why in words. */
  | { kind: "refused"; refusal: ReplayRefusal; channelId: string; reason: string }
  /** Publishing failed: nothing changed, the caller may retry. */
  | { kind: "unavailable" };

/**
 * ReplayWebhookEvent: splits a stored delivery again and publishes its events with the msgIDs and
 * event ids of its first accept, so JetStream and the consumers' inboxes drop what they already
 * have. A queued, failed, held or ignored row becomes accepted; an accepted one stays as it is. A
 * body that is still not the channel's publishes nothing (an ignored row stays ignored); a
 * rejected or throttled row is refused (it kept no whole body).
 */
export interface WebhookReplayer {
  /**
   * Replays inside the caller's tenant transaction `em` (RLS on `tenantId`), so that what the caller
   * records with it (the request id of a retried call) commits or rolls back with the replay.
   */
  replay(em: EntityManager, tenantId: string, workspaceId: string, id: string): Promise<ReplayOutcome>;
}

export interface WebhookReplayerDeps {
  queued: QueuedWebhookEvents;
  channels: ChannelDirectory;
  splitter: DeliverySplitter;
  publisher: DeliveryPublisher;
  logger: Logger;
}

export function createWebhookReplayer(deps: WebhookReplayerDeps): WebhookReplayer {
  const { queued, channels, splitter, publisher, logger } = deps;
  return {
    async replay(em, tenantId, workspaceId, id): Promise<ReplayOutcome> {
      const log = withContext(logger, { tenantId, correlationId: id });
      // Locked (waiting, not skipping): a concurrent replay or sweep finishes first.
      const row = await em
        .getKysely<IngressTables>()
        .withSchema("ingress")
        .selectFrom("webhook_events")
        .selectAll()
        .where("id", "=", id)
        .where("workspace_id", "=", workspaceId)
        .forUpdate()
        .executeTakeFirst();
      if (row === undefined) return { kind: "not_found" };
      const refused = (refusal: ReplayRefusal, reason: string): ReplayOutcome => ({
        kind: "refused",
        refusal,
        channelId: row.channel_id,
        reason,
      });
      if (row.status === "rejected") return refused("rejected", "a rejected delivery cannot be replayed");
      // A throttled delivery kept no body (Meta delivers it again): like a rejected one, nothing to replay.
      if (row.status === "throttled") {
        return refused("rejected", "a throttled delivery kept no body: Meta delivers it again");
      }
      const channel = await channels.resolve(row.channel_id, { fresh: true });
      const credentials = metaCredentialsOf(channel, row.channel_type);
      if (channel === undefined || credentials === undefined) {
        return refused("channel_gone", "the delivery's channel no longer exists");
      }
      const held = holdReason(channel);
      if (row.status === "held" && held !== undefined) {
        return refused("held", `the delivery stays held until that is lifted: ${held}`);
      }
      const split = splitter.split(deliveryOfRow(row), credentials.accountId);
      if (!split.ok) return refused("unparsable", split.error);
      const { parts } = split;
      if (parts.ignored !== undefined) {
        // Still not this channel's (an ignored row is split again: the channel's account may have
        // been corrected since). Nothing to publish; an ignored row stays as it is.
        if (row.status !== "ignored" && row.status !== "accepted") {
          await queued.markAccepted(em, id, {
            messageCount: 0,
            statusCount: 0,
            reason: parts.ignored,
            ignored: true,
          });
        }
        log.info(
          { reason: parts.ignored, from: row.status },
          "webhook replayed: not this channel's, nothing published",
        );
        return { kind: "replayed", events: 0 };
      }
      const failure = await publisher.publish(parts, log);
      if (failure !== undefined) {
        log.warn({ error: failure }, "replaying a webhook failed");
        return { kind: "unavailable" };
      }
      const counts = countsOf(parts);
      if (row.status !== "accepted") {
        await queued.markAccepted(em, id, { ...counts, reason: parts.notes.join("; ") });
      }
      const events = counts.messageCount + counts.statusCount;
      log.info({ events, from: row.status }, "webhook replayed");
      return { kind: "replayed", events };
    },
  };
}
