import {
  type Bus,
  type Consumer,
  type EncodedEvent,
  type EventContext,
  PermanentError,
  TransientError,
} from "@atendo/bus";
import { type Db, type Inbox, isUuid, newId } from "@atendo/db";
import type { EventMeta } from "@atendo/proto/common/v1";
import { type OutboundCreated, OutboundCreatedSchema } from "@atendo/proto/conversation/v1";
import { toBinary } from "@bufbuild/protobuf";
import type { OutboundSender } from "../adapters/outbound-sender.js";
import type { ChannelDirectory } from "../clients/tenant-channels.js";
import { type ChannelTypeName, channelTypeName } from "../domain/channel-type.js";
import { type RetryPolicy, retryDelayMs } from "../domain/retry-delay.js";
import {
  type ChannelErrorInfo,
  type FailedOutcome,
  isRetryable,
  type SendOutcome,
} from "../domain/send-outcome.js";
import type { SendPacer, SendTarget } from "../pacing/send-pacer.js";
import { retryWrite } from "../store/retry-write.js";
import { claimSend, lastErrorOf, type Settlement, settleAttempt } from "../store/send-ledger.js";
import { encodeStatusChanged } from "./status-event.js";

export const OUTBOUND_CREATED_DURABLE = "delivery-outbound_created";

export interface OutboundCreatedSettings {
  concurrency: number;
  maxDeliver: number;
  /** The bus's ack wait; a send claim is trusted a little longer than that. */
  ackWaitMs: number;
  retry: RetryPolicy;
}

export interface OutboundCreatedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  sender: OutboundSender;
  pacer: SendPacer;
  channels: Pick<ChannelDirectory, "markNeedsReconnect">;
  settings: OutboundCreatedSettings;
  now?: () => Date;
}

interface Parsed {
  tenantId: string;
  workspaceId: string;
  channelType: ChannelTypeName;
}

// Events that cannot become a delivery row at all are dead-lettered for an operator to look at.
function parse(event: OutboundCreated, meta: EventMeta): Parsed {
  const ids = {
    "meta.tenant_id": meta.tenantId,
    "meta.workspace_id": meta.workspaceId,
    message_id: event.messageId,
    conversation_id: event.conversationId,
    channel_id: event.channelId,
  };
  for (const [field, value] of Object.entries(ids)) {
    if (!isUuid(value)) throw new PermanentError(`OutboundCreated.${field} is not a UUID`);
  }
  const channelType = channelTypeName(event.channelType);
  if (channelType === undefined) throw new PermanentError("OutboundCreated.channel_type is not set");
  if (event.recipientExternalId.trim() === "" || event.recipientExternalId.length > 256) {
    throw new PermanentError("OutboundCreated.recipient_external_id must be 1..256 characters");
  }
  return { tenantId: meta.tenantId, workspaceId: meta.workspaceId, channelType };
}

/** Why the delivery was given up after the bus's last delivery of a retryable failure. */
function gaveUp(attempts: number, outcome: FailedOutcome): ChannelErrorInfo {
  return {
    code: outcome.error.code,
    title: `gave up after ${attempts} attempts`,
    message: `${outcome.error.title}: ${outcome.error.message}`,
    details: outcome.error.details,
    retryable: false,
  };
}

export function createOutboundCreatedHandler(deps: OutboundCreatedDeps) {
  const { db, bus, inbox, sender, pacer, channels, settings } = deps;
  const now = deps.now ?? (() => new Date());
  // Past the ack wait the bus has taken the event back (and aborted our signal): the claim is stale.
  const leaseMs = settings.ackWaitMs + 5_000;

  async function publish(outputs: EncodedEvent[]): Promise<void> {
    // Before the ack: a crash here means a redelivery, which republishes the stored outputs.
    for (const output of outputs) await bus.publishEncoded(output);
  }

  async function markReconnect(
    event: OutboundCreated,
    meta: EventMeta,
    outcome: FailedOutcome,
    ctx: EventContext,
  ) {
    try {
      await channels.markNeedsReconnect(
        meta.tenantId,
        event.channelId,
        `WhatsApp error ${outcome.error.code}: ${outcome.error.title}`,
        meta.correlationId,
      );
      ctx.logger.warn(
        { channel_id: event.channelId },
        "channel token refused; channel marked NEEDS_RECONNECT",
      );
      return true;
    } catch (err) {
      ctx.logger.warn({ err, channel_id: event.channelId }, "could not mark the channel NEEDS_RECONNECT");
      return false;
    }
  }

  function settlementOf(
    outcome: SendOutcome,
    retryable: boolean,
    last: boolean,
    attempt: number,
    delayMs: number,
  ): Settlement {
    if (outcome.kind === "accepted") return { kind: "sent", externalMessageId: outcome.externalMessageId };
    if (!retryable) return { kind: "failed", error: outcome.error };
    if (last) return { kind: "failed", error: gaveUp(attempt, outcome) };
    return { kind: "retry", error: outcome.error, nextAttemptAt: new Date(now().getTime() + delayMs) };
  }

  return async function handle(event: OutboundCreated, ctx: EventContext): Promise<void> {
    const { meta } = ctx;
    const parsed = parse(event, meta);
    const target: SendTarget = { channelId: event.channelId, recipient: event.recipientExternalId };
    const last = ctx.deliveryCount >= settings.maxDeliver;
    const key = { tenantId: meta.tenantId, consumer: OUTBOUND_CREATED_DURABLE, eventId: meta.eventId };

    if (!last) {
      const wait = await pacer.waitMs(target).catch((err: unknown) => {
        ctx.logger.warn({ err }, "pacer unavailable; sending without it");
        return 0;
      });
      if (wait > 0) throw new TransientError(`recipient held back for ${wait} ms`, { delayMs: wait });
    }

    const claimed = await db.withTenant(parsed.tenantId, async (em) => {
      const claim = await claimSend(em, {
        id: newId(),
        tenantId: parsed.tenantId,
        workspaceId: parsed.workspaceId,
        messageId: event.messageId,
        conversationId: event.conversationId,
        channelId: event.channelId,
        channelType: parsed.channelType,
        recipient: event.recipientExternalId,
        request: toBinary(OutboundCreatedSchema, event),
        now: now(),
        eventId: meta.eventId,
        leaseMs,
      });
      if (claim?.kind === "busy_elsewhere") {
        // Handled: the other event's handler reports the outcome.
        await inbox.handle(em, key, async () => []);
        return { claim, outputs: [] };
      }
      if (claim?.kind !== "settled") return { claim, outputs: [] };
      // Sent (or failed) before: never send again, tell the conversation once more.
      const d = claim.delivery;
      const attempt = d.status === "SENT" || d.status === "FAILED" ? d.attemptCount : 0;
      const { outputs } = await inbox.handle(em, key, async () => [
        encodeStatusChanged(bus, d, meta, attempt, d.status === "FAILED" ? lastErrorOf(d) : undefined),
      ]);
      return { claim, outputs };
    });
    const { claim } = claimed;
    if (claim === undefined) throw new PermanentError(`message ${event.messageId} belongs to another tenant`);
    if (claim.kind === "settled") {
      await publish(claimed.outputs);
      ctx.logger.info(
        { message_id: event.messageId, status: claim.delivery.status },
        "already settled; status republished",
      );
      return;
    }
    if (claim.kind === "busy_elsewhere") {
      ctx.logger.info({ message_id: event.messageId }, "message is being sent by another event's handler");
      return;
    }
    if (claim.kind === "busy_self") {
      throw new TransientError("an earlier delivery of this event still holds the send", {
        delayMs: claim.retryInMs,
      });
    }

    const { attempt } = claim;
    const outcome = await sender.send(
      {
        tenantId: parsed.tenantId,
        channelId: event.channelId,
        channelType: event.channelType,
        recipient: event.recipientExternalId,
        message: event.message,
        replyToExternalId: event.replyToExternalId,
      },
      { signal: ctx.signal, correlationId: meta.correlationId, logger: ctx.logger },
    );
    const pairDelayMs = await pacer.record(target, outcome.kind).catch((err: unknown) => {
      ctx.logger.warn({ err }, "pacer unavailable; outcome not recorded");
      return 0;
    });

    let retryable = outcome.kind !== "accepted" && isRetryable(outcome.kind);
    let delayMs = 0;
    if (outcome.kind !== "accepted") {
      // Until the tenant service knows the token is dead, keep the message and try again.
      if (outcome.kind === "auth" && !(await markReconnect(event, meta, outcome, ctx))) retryable = true;
      delayMs = retryDelayMs(outcome, ctx.deliveryCount, settings.retry, pairDelayMs);
    }
    const settlement = settlementOf(outcome, retryable, last, attempt, delayMs);

    if (settlement.kind === "retry") {
      await db.withTenant(parsed.tenantId, (em) =>
        settleAttempt(em, { messageId: event.messageId, attempt, outcome, settlement, now: now() }),
      );
      ctx.logger.warn(
        { message_id: event.messageId, attempt, code: settlement.error.code, retry_in_ms: delayMs },
        "send failed; will retry",
      );
      throw new TransientError(`${settlement.error.title}: ${settlement.error.message}`, { delayMs });
    }

    const { outputs } = await retryWrite(() =>
      db.withTenant(parsed.tenantId, (em) =>
        inbox.handle(em, key, async () => {
          const moved = await settleAttempt(em, {
            messageId: event.messageId,
            attempt,
            outcome,
            settlement,
            now: now(),
          });
          if (moved === undefined) return [];
          return [
            encodeStatusChanged(
              bus,
              moved,
              meta,
              attempt,
              settlement.kind === "failed" ? settlement.error : undefined,
            ),
          ];
        }),
      ),
    );
    await publish(outputs);
    if (settlement.kind === "sent") {
      ctx.logger.info({ message_id: event.messageId, attempt }, "message sent");
      return;
    }
    ctx.logger.warn(
      { message_id: event.messageId, attempt, code: settlement.error.code, title: settlement.error.title },
      "message failed",
    );
    // The bus records a dead letter for an operator; the conversation already has the FAILED status.
    if (outcome.kind !== "accepted" && retryable) {
      throw new PermanentError(`${settlement.error.title}: ${settlement.error.message}`);
    }
  };
}

export function startOutboundCreatedConsumer(deps: OutboundCreatedDeps): Promise<Consumer> {
  const { settings } = deps;
  return deps.bus.consume({
    durable: OUTBOUND_CREATED_DURABLE,
    schema: OutboundCreatedSchema,
    concurrency: settings.concurrency,
    maxDeliver: settings.maxDeliver,
    ackWaitMs: settings.ackWaitMs,
    backoffMs: { initial: settings.retry.initialMs, max: settings.retry.maxMs },
    handler: createOutboundCreatedHandler(deps),
  });
}
