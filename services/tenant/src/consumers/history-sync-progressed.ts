import { type Bus, type Consumer, PermanentError } from "@atendo/bus";
import { createInbox, type Db, isUuid } from "@atendo/db";
import { HistorySyncState } from "@atendo/proto/common/v1";
import { HistorySyncProgressedSchema } from "@atendo/proto/ingress/v1";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type HistoryImportOutcome, recordHistoryChunk } from "../store/channel-history-import.js";

export const HISTORY_SYNC_PROGRESSED_DURABLE = "tenant-history_sync_progressed";

/**
 * Keeps `Channel.history_import` of a WhatsApp coexistence number up to date from ingress's
 * HistorySyncProgressed, once per event (inbox); the channel must be the event's tenant's (RLS).
 */
export function startHistorySyncProgressedConsumer(deps: {
  bus: Bus;
  db: Db;
  schema: string;
}): Promise<Consumer> {
  const inbox = createInbox(deps.schema);
  return deps.bus.consume({
    durable: HISTORY_SYNC_PROGRESSED_DURABLE,
    schema: HistorySyncProgressedSchema,
    concurrency: 4,
    maxDeliver: 10,
    handler: async (event, ctx) => {
      const { meta } = ctx;
      if (!isUuid(meta.tenantId)) throw new PermanentError("the event has no valid tenant id");
      if (!isUuid(event.channelId)) throw new PermanentError("channel_id must be a UUID");
      let outcome: HistoryImportOutcome | undefined;
      const { duplicate } = await deps.db.withTenant(meta.tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId: meta.tenantId, consumer: HISTORY_SYNC_PROGRESSED_DURABLE, eventId: meta.eventId },
          async () => {
            outcome = await recordHistoryChunk(em, event.channelId, {
              phase: event.phase,
              chunkOrder: event.chunkOrder,
              progress: event.progress,
              messageCount: event.messageCount,
              declined: event.state === HistorySyncState.DECLINED,
              errorCode: event.errorCode,
              errorMessage: event.errorMessage,
              receivedAt: event.receivedAt ? timestampDate(event.receivedAt) : new Date(),
            });
            // Rolls the inbox row back with it: the dead letter keeps the event for an operator.
            if (outcome === "unknown_channel")
              throw new PermanentError("channel_id names no channel of the tenant");
            if (outcome === "not_whatsapp")
              throw new PermanentError("channel_id names a channel that is not WhatsApp");
            return [];
          },
        ),
      );
      ctx.logger.debug({ outcome: outcome ?? "redelivered", duplicate }, "history import progress handled");
    },
  });
}
