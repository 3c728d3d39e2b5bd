import type { Bus, BusLogger, EncodedEvent } from "@atendo/bus";
import type { Db, EntityManager } from "@atendo/db";
import type { EventMeta } from "@atendo/proto/common/v1";
import type { OutboundCreated } from "@atendo/proto/conversation/v1";
import type { OutboundSender } from "../adapters/outbound-sender.js";
import type { ChannelDirectory } from "../clients/tenant-channels.js";
import { type RetryPolicy, retryDelayMs } from "../domain/retry-delay.js";
import {
  type ChannelErrorInfo,
  type FailedOutcome,
  isRetryable,
  type SendOutcome,
} from "../domain/send-outcome.js";
import type { SendPacer } from "../pacing/send-pacer.js";
import { retryWrite } from "../store/retry-write.js";
import { lastErrorOf, type Settlement, settleAttempt } from "../store/send-ledger.js";
import { encodeStatusChanged } from "./status-event.js";

export interface AttemptSendDeps {
  db: Db;
  bus: Pick<Bus, "encode">;
  sender: OutboundSender;
  pacer: SendPacer;
  channels: Pick<ChannelDirectory, "markNeedsReconnect">;
  retry: RetryPolicy;
  now: () => Date;
}

/** A claimed attempt to carry out: the send was recorded as in flight (status SENDING). */
export interface ClaimedAttempt {
  tenantId: string;
  /** What to send: the OutboundCreated event as received. */
  request: OutboundCreated;
  /** The event the StatusChanged is caused by. */
  parent: EventMeta;
  attempt: number;
  /** Deliveries of the bus event driving this attempt (the backoff grows with it). */
  deliveryCount: number;
  /** The bus will not hand the event over again: a retryable failure now fails the delivery. */
  last: boolean;
  signal: AbortSignal;
  logger: BusLogger;
  /**
   * Runs the final write (SENT or FAILED) in a tenant transaction and returns the outputs to publish:
   * a consumer stores them with its inbox row so a redelivery republishes them.
   */
  store(work: (em: EntityManager) => Promise<EncodedEvent[]>): Promise<EncodedEvent[]>;
}

export type AttemptResult =
  /** The delivery is SENT; publish `outputs` before acknowledging. */
  | { kind: "sent"; outputs: EncodedEvent[] }
  /** The delivery is FAILED; publish `outputs` before acknowledging. */
  | {
      kind: "failed";
      outputs: EncodedEvent[];
      error: ChannelErrorInfo;
      /** Failed on the last delivery of a retryable failure: worth a dead letter. */
      gaveUp: boolean;
    }
  /** Not sent, the tenant is suspended: the delivery is HELD. */
  | { kind: "held" }
  /** A transient failure: the delivery is PENDING again, to be retried in `delayMs`. */
  | { kind: "retry"; delayMs: number; error: ChannelErrorInfo };

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

/**
 * Sends a claimed delivery on its channel and records what the channel said: the one path of every
 * send, whether an OutboundCreated event or a tenant's reactivation drives it.
 */
export function createAttemptSend(deps: AttemptSendDeps) {
  const { db, bus, sender, pacer, channels, retry, now } = deps;

  async function markReconnect(input: ClaimedAttempt, outcome: FailedOutcome): Promise<boolean> {
    const { request, tenantId } = input;
    try {
      await channels.markNeedsReconnect(
        tenantId,
        request.channelId,
        `WhatsApp error ${outcome.error.code}: ${outcome.error.title}`,
        input.parent.correlationId,
      );
      input.logger.warn(
        { channel_id: request.channelId },
        "channel token refused; channel marked NEEDS_RECONNECT",
      );
      return true;
    } catch (err) {
      input.logger.warn({ err, channel_id: request.channelId }, "could not mark the channel NEEDS_RECONNECT");
      return false;
    }
  }

  function settlementOf(
    outcome: SendOutcome,
    retryable: boolean,
    input: ClaimedAttempt,
    delayMs: number,
  ): Settlement {
    if (outcome.kind === "accepted") return { kind: "sent", externalMessageId: outcome.externalMessageId };
    if (outcome.kind === "held") return { kind: "held", error: outcome.error };
    if (!retryable) return { kind: "failed", error: outcome.error };
    if (input.last) return { kind: "failed", error: gaveUp(input.attempt, outcome) };
    return { kind: "retry", error: outcome.error, nextAttemptAt: new Date(now().getTime() + delayMs) };
  }

  return async function attemptSend(input: ClaimedAttempt): Promise<AttemptResult> {
    const { request, tenantId, attempt } = input;
    const target = { channelId: request.channelId, recipient: request.recipientExternalId };
    const outcome = await sender.send(
      {
        tenantId,
        channelId: request.channelId,
        channelType: request.channelType,
        recipient: request.recipientExternalId,
        message: request.message,
        replyToExternalId: request.replyToExternalId,
      },
      { signal: input.signal, correlationId: input.parent.correlationId, logger: input.logger },
    );
    const pairDelayMs = await pacer.record(target, outcome.kind).catch((err: unknown) => {
      input.logger.warn({ err }, "pacer unavailable; outcome not recorded");
      return 0;
    });

    let retryable = outcome.kind !== "accepted" && isRetryable(outcome.kind);
    let delayMs = 0;
    if (outcome.kind !== "accepted") {
      // Until the tenant service knows the token is dead, keep the message and try again.
      if (outcome.kind === "auth" && !(await markReconnect(input, outcome))) retryable = true;
      delayMs = retryDelayMs(outcome, input.deliveryCount, retry, pairDelayMs);
    }
    const settlement = settlementOf(outcome, retryable, input, delayMs);
    const settle = (em: EntityManager) =>
      settleAttempt(em, { messageId: request.messageId, attempt, outcome, settlement, now: now() });

    if (settlement.kind === "retry" || settlement.kind === "held") {
      // Nothing to announce: the message is still on its way (PENDING to the conversation).
      await retryWrite(() => db.withTenant(tenantId, settle));
      return settlement.kind === "held"
        ? { kind: "held" }
        : { kind: "retry", delayMs, error: settlement.error };
    }

    const outputs = await retryWrite(() =>
      input.store(async (em) => {
        const moved = await settle(em);
        if (moved === undefined) return [];
        // The error as stored (cleaned), as a republish would announce it.
        const error = settlement.kind === "failed" ? lastErrorOf(moved) : undefined;
        return [encodeStatusChanged(bus, moved, input.parent, attempt, error)];
      }),
    );
    if (settlement.kind === "sent") return { kind: "sent", outputs };
    return {
      kind: "failed",
      outputs,
      error: settlement.error,
      gaveUp: outcome.kind !== "accepted" && retryable,
    };
  };
}

export type AttemptSend = ReturnType<typeof createAttemptSend>;
