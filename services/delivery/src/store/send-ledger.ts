import { type EntityManager, newId, pgText } from "@atendo/db";
import { type DeliveryStatus, isSendSettled } from "../domain/delivery-status.js";
import type { ChannelErrorInfo, SendOutcome } from "../domain/send-outcome.js";
import { AttemptEntity } from "./attempt-entity.js";
import { findAttempt, recordAttemptResult } from "./attempts.js";
import { insertDeliveryIfAbsent, lockDeliveryByMessage, type NewDelivery } from "./deliveries.js";
import type { Delivery } from "./delivery-entity.js";

// The bookkeeping around one send: claim the delivery and record the attempt before calling the
// channel, then record what the channel said. Each function runs inside the caller's transaction.

export type Claim =
  /** This handler may send now: attempt `attempt` is recorded as in flight. */
  | { kind: "claimed"; delivery: Delivery; attempt: number }
  /** The send is over (sent, later receipts, or failed): republish, never send again. */
  | { kind: "settled"; delivery: Delivery }
  /** Another event's handler is sending this message right now and will report the result. */
  | { kind: "busy_elsewhere"; delivery: Delivery }
  /** An earlier delivery of this same event still holds the send; try again when its lease ends. */
  | { kind: "busy_self"; retryInMs: number };

export interface ClaimInput extends NewDelivery {
  eventId: string;
  /** How long a SENDING claim is trusted before another handler may take the send over. */
  leaseMs: number;
}

export async function claimSend(em: EntityManager, input: ClaimInput): Promise<Claim | undefined> {
  await insertDeliveryIfAbsent(em, input);
  const delivery = await lockDeliveryByMessage(em, input.messageId);
  // The message id exists under another tenant (invisible through RLS): not ours to send.
  if (delivery === null) return undefined;
  return claimLocked(em, delivery, input);
}

/**
 * Claims a delivery already locked by the caller's transaction: records attempt n + 1 as in flight
 * unless the send is over or another live handler holds it.
 */
export async function claimLocked(
  em: EntityManager,
  delivery: Delivery,
  input: { eventId: string; leaseMs: number; now: Date },
): Promise<Claim> {
  if (isSendSettled(delivery.status)) return { kind: "settled", delivery };
  const now = input.now.getTime();
  if (delivery.status === "SENDING" && delivery.sendingStartedAt) {
    const leaseLeft = delivery.sendingStartedAt.getTime() + input.leaseMs - now;
    if (leaseLeft > 0) {
      return delivery.sendingEventId === input.eventId
        ? { kind: "busy_self", retryInMs: leaseLeft }
        : { kind: "busy_elsewhere", delivery };
    }
    // The holder died or hung past its lease: its attempt ends without an answer.
    const stale = await findAttempt(em, delivery.id, delivery.attemptCount);
    if (stale !== null && stale.outcome === null) {
      recordAttemptResult(stale, {
        kind: "transient",
        error: {
          code: 0,
          title: "interrupted",
          message: "the attempt ended without a recorded answer; the message was sent again",
          details: "",
          retryable: true,
        },
        httpStatus: 0,
        durationMs: now - delivery.sendingStartedAt.getTime(),
        responseSnippet: "",
      });
    }
  }
  const attempt = delivery.attemptCount + 1;
  delivery.attemptCount = attempt;
  delivery.status = "SENDING";
  delivery.sendingEventId = input.eventId;
  delivery.sendingStartedAt = input.now;
  delivery.nextAttemptAt = null;
  delivery.updatedAt = input.now;
  em.create(AttemptEntity, {
    id: newId(),
    tenantId: delivery.tenantId,
    workspaceId: delivery.workspaceId,
    deliveryId: delivery.id,
    messageId: delivery.messageId,
    conversationId: delivery.conversationId,
    channelId: delivery.channelId,
    attempt,
    startedAt: input.now,
    outcome: null,
    httpStatus: 0,
  });
  return { kind: "claimed", delivery, attempt };
}

export type Settlement =
  | { kind: "sent"; externalMessageId: string }
  | { kind: "failed"; error: ChannelErrorInfo }
  /** Not sent: the tenant is suspended; its reactivation sends it. */
  | { kind: "held"; error: ChannelErrorInfo }
  | { kind: "retry"; error: ChannelErrorInfo; nextAttemptAt: Date };

const STATUS_AFTER: Record<Settlement["kind"], DeliveryStatus> = {
  sent: "SENT",
  failed: "FAILED",
  held: "HELD",
  retry: "PENDING",
};

/**
 * Records attempt `attempt`'s outcome and moves the delivery accordingly. Returns the delivery when
 * it moved, or undefined when a later attempt took the send over meanwhile (then only the attempt's
 * own row is updated).
 */
export async function settleAttempt(
  em: EntityManager,
  input: { messageId: string; attempt: number; outcome: SendOutcome; settlement: Settlement; now: Date },
): Promise<Delivery | undefined> {
  const delivery = await lockDeliveryByMessage(em, input.messageId);
  if (delivery === null) return undefined;
  const row = await findAttempt(em, delivery.id, input.attempt);
  if (row !== null) recordAttemptResult(row, input.outcome);
  if (delivery.status !== "SENDING" || delivery.attemptCount !== input.attempt) return undefined;

  const { settlement } = input;
  delivery.status = STATUS_AFTER[settlement.kind];
  delivery.sendingEventId = null;
  delivery.sendingStartedAt = null;
  delivery.updatedAt = input.now;
  if (settlement.kind === "sent") {
    delivery.externalMessageId = pgText(settlement.externalMessageId);
    delivery.nextAttemptAt = null;
  } else {
    setLastError(delivery, settlement.error);
    delivery.nextAttemptAt = settlement.kind === "retry" ? settlement.nextAttemptAt : null;
  }
  return delivery;
}

/** Stores the channel's error, cleaned of what Postgres cannot hold (a NUL would fail the transaction). */
export function setLastError(delivery: Delivery, error: ChannelErrorInfo): void {
  delivery.lastErrorCode = error.code;
  delivery.lastErrorTitle = pgText(error.title);
  delivery.lastErrorMessage = pgText(error.message);
  delivery.lastErrorDetails = pgText(error.details);
  delivery.lastErrorRetryable = error.retryable;
}

/** The last error stored on a delivery, when it has one. */
export function lastErrorOf(delivery: Delivery): ChannelErrorInfo | undefined {
  if (delivery.lastErrorCode === null || delivery.lastErrorCode === undefined) return undefined;
  return {
    code: delivery.lastErrorCode,
    title: delivery.lastErrorTitle ?? "",
    message: delivery.lastErrorMessage ?? "",
    details: delivery.lastErrorDetails ?? "",
    retryable: delivery.lastErrorRetryable ?? false,
  };
}
