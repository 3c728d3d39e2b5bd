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
import { type ChannelTypeName, channelTypeName } from "../domain/channel-type.js";
import type { RetryPolicy } from "../domain/retry-delay.js";
import type { SendPacer, SendTarget } from "../pacing/send-pacer.js";
import type { AttemptSend } from "../sending/attempt-send.js";
import { encodeStatusChanged } from "../sending/status-event.js";
import { claimSend, lastErrorOf } from "../store/send-ledger.js";

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
  pacer: SendPacer;
  attemptSend: AttemptSend;
  settings: OutboundCreatedSettings;
  now?: () => Date;
}

interface Parsed {
  tenantId: string;
  workspaceId: string;
  channelType: ChannelTypeName;
  contactId: string | null;
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
  // Optional: producers that predate it send none, and the message still goes out.
  if (event.contactId !== "" && !isUuid(event.contactId)) {
    throw new PermanentError("OutboundCreated.contact_id is not a UUID");
  }
  const channelType = channelTypeName(event.channelType);
  if (channelType === undefined) throw new PermanentError("OutboundCreated.channel_type is not set");
  if (event.recipientExternalId.trim() === "" || event.recipientExternalId.length > 256) {
    throw new PermanentError("OutboundCreated.recipient_external_id must be 1..256 characters");
  }
  return {
    tenantId: meta.tenantId,
    workspaceId: meta.workspaceId,
    channelType,
    contactId: event.contactId === "" ? null : event.contactId,
  };
}

/** The lease of a send claim: past the ack wait the bus has taken the event back (and aborted us). */
export const leaseOf = (ackWaitMs: number) => ackWaitMs + 5_000;

export function createOutboundCreatedHandler(deps: OutboundCreatedDeps) {
  const { db, bus, inbox, pacer, attemptSend, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const leaseMs = leaseOf(settings.ackWaitMs);

  async function publish(outputs: EncodedEvent[]): Promise<void> {
    // Before the ack: a crash here means a redelivery, which republishes the stored outputs.
    for (const output of outputs) await bus.publishEncoded(output);
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
        contactId: parsed.contactId,
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
    const result = await attemptSend({
      tenantId: parsed.tenantId,
      request: event,
      parent: meta,
      attempt,
      deliveryCount: ctx.deliveryCount,
      last,
      signal: ctx.signal,
      logger: ctx.logger,
      store: (work) =>
        db.withTenant(parsed.tenantId, async (em) => (await inbox.handle(em, key, () => work(em))).outputs),
    });

    if (result.kind === "retry") {
      ctx.logger.warn(
        { message_id: event.messageId, attempt, code: result.error.code, retry_in_ms: result.delayMs },
        "send failed; will retry",
      );
      throw new TransientError(`${result.error.title}: ${result.error.message}`, { delayMs: result.delayMs });
    }
    if (result.kind === "held") {
      // Acknowledged without an inbox row: should the bus hand this event over again after the
      // reactivation, it may still send the message (the claim keeps it to one send).
      ctx.logger.info({ message_id: event.messageId, attempt }, "tenant suspended; message held");
      return;
    }
    await publish(result.outputs);
    if (result.kind === "sent") {
      ctx.logger.info({ message_id: event.messageId, attempt }, "message sent");
      return;
    }
    const { error } = result;
    ctx.logger.warn(
      { message_id: event.messageId, attempt, code: error.code, title: error.title },
      "message failed",
    );
    // The bus records a dead letter for an operator; the conversation already has the FAILED status.
    if (result.gaveUp) throw new PermanentError(`${error.title}: ${error.message}`);
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
