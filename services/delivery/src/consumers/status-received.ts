import { type Bus, type Consumer, type EventContext, PermanentError, TransientError } from "@atendo/bus";
import { type Db, type Inbox, isUuid } from "@atendo/db";
import { type StatusReceived, StatusReceivedSchema } from "@atendo/proto/ingress/v1";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { fromReceiptStatus, movesForward } from "../domain/delivery-status.js";
import type { ChannelErrorInfo } from "../domain/send-outcome.js";
import { encodeStatusChanged } from "../sending/status-event.js";
import { lockDeliveryByExternalId } from "../store/deliveries.js";
import { lastErrorOf, setLastError } from "../store/send-ledger.js";

export const STATUS_RECEIVED_DURABLE = "delivery-status_received";

export interface StatusReceivedSettings {
  concurrency: number;
  maxDeliver: number;
  /**
   * A receipt can overtake the recording of its own send (Meta answers the send, then the webhook
   * races our commit). A receipt for an unknown id younger than this is retried before it is ignored.
   */
  unknownGraceMs: number;
  retry: { initialMs: number; maxMs: number };
}

export interface StatusReceivedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  settings: StatusReceivedSettings;
  now?: () => Date;
}

/** The receipt names a message we have no record of (yet). */
class UnknownMessage extends Error {}

function errorOf(event: StatusReceived): ChannelErrorInfo {
  const first = event.errors[0];
  return {
    code: first?.code ?? 0,
    title: first?.title || "failed",
    message: first?.message || "the channel reported the message as failed",
    details: first?.details ?? "",
    retryable: first?.retryable ?? false,
  };
}

export function createStatusReceivedHandler(deps: StatusReceivedDeps) {
  const { db, bus, inbox, settings } = deps;
  const now = deps.now ?? (() => new Date());

  return async function handle(event: StatusReceived, ctx: EventContext): Promise<void> {
    const { meta } = ctx;
    if (!isUuid(meta.tenantId)) throw new PermanentError("StatusReceived.meta.tenant_id is not a UUID");
    if (!isUuid(event.channelId)) throw new PermanentError("StatusReceived.channel_id is not a UUID");
    const next = fromReceiptStatus(event.status);
    if (next === undefined || event.externalMessageId === "") {
      ctx.logger.info({ status: event.status }, "receipt without a status or message id; ignored");
      return;
    }
    const key = { tenantId: meta.tenantId, consumer: STATUS_RECEIVED_DURABLE, eventId: meta.eventId };
    const age =
      meta.occurredAt === undefined
        ? Number.POSITIVE_INFINITY
        : now().getTime() - timestampMs(meta.occurredAt);
    const mayStillCome = age < settings.unknownGraceMs && ctx.deliveryCount < settings.maxDeliver;

    let result: { outputs: Awaited<ReturnType<Inbox["handle"]>>["outputs"] };
    try {
      result = await db.withTenant(meta.tenantId, (em) =>
        inbox.handle(em, key, async () => {
          const delivery = await lockDeliveryByExternalId(em, event.channelId, event.externalMessageId);
          if (delivery === null) {
            // Thrown inside the unit of work so the inbox claim rolls back and a retry can still apply it.
            if (mayStillCome) throw new UnknownMessage();
            return [];
          }
          if (!movesForward(delivery.status, next)) return [];
          delivery.status = next;
          delivery.updatedAt = now();
          if (next !== "FAILED") return [encodeStatusChanged(bus, delivery, meta, 0)];
          setLastError(delivery, errorOf(event));
          // The error as stored (cleaned), as a republish would announce it.
          return [encodeStatusChanged(bus, delivery, meta, 0, lastErrorOf(delivery))];
        }),
      );
    } catch (err) {
      if (err instanceof UnknownMessage) {
        throw new TransientError("receipt for a message not recorded yet", {
          delayMs: Math.min(
            settings.retry.maxMs,
            Math.max(settings.retry.initialMs, settings.unknownGraceMs / 4),
          ),
        });
      }
      throw err;
    }
    // Before the ack: a crash here means a redelivery, which republishes the stored outputs.
    for (const output of result.outputs) await bus.publishEncoded(output);
    if (result.outputs.length === 0) ctx.logger.debug({ status: next }, "receipt did not move any delivery");
  };
}

export function startStatusReceivedConsumer(deps: StatusReceivedDeps): Promise<Consumer> {
  const { settings } = deps;
  return deps.bus.consume({
    durable: STATUS_RECEIVED_DURABLE,
    schema: StatusReceivedSchema,
    concurrency: settings.concurrency,
    maxDeliver: settings.maxDeliver,
    backoffMs: { initial: settings.retry.initialMs, max: settings.retry.maxMs },
    handler: createStatusReceivedHandler(deps),
  });
}
