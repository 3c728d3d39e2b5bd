import { MessageStatus } from "@atendo/proto/common/v1";
import {
  AttemptOutcome,
  type DeliveryAttempt,
  DeliveryAttemptSchema,
  type DeliveryState,
  DeliveryStateSchema,
} from "@atendo/proto/delivery/v1";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { channelTypeOf } from "../domain/channel-type.js";
import { toMessageStatus } from "../domain/delivery-status.js";
import type { AttemptOutcomeName } from "../domain/send-outcome.js";
import { toChannelError } from "../domain/status-changed.js";
import type { Attempt } from "../store/attempt-entity.js";
import type { Delivery } from "../store/delivery-entity.js";
import { lastErrorOf } from "../store/send-ledger.js";

export function toAttemptOutcome(name: AttemptOutcomeName | null | undefined): AttemptOutcome {
  return name === null || name === undefined ? AttemptOutcome.UNSPECIFIED : AttemptOutcome[name];
}

/** The stored outcome a ListAttempts filter asks for; undefined for "all". */
export function fromAttemptOutcome(outcome: AttemptOutcome): AttemptOutcomeName | undefined {
  switch (outcome) {
    case AttemptOutcome.ACCEPTED:
      return "ACCEPTED";
    case AttemptOutcome.RETRYABLE_FAILURE:
      return "RETRYABLE_FAILURE";
    case AttemptOutcome.PERMANENT_FAILURE:
      return "PERMANENT_FAILURE";
    case AttemptOutcome.AUTH_FAILURE:
      return "AUTH_FAILURE";
    case AttemptOutcome.SKIPPED:
      return "SKIPPED";
    default:
      return undefined;
  }
}

export function toDeliveryState(d: Delivery): DeliveryState {
  const lastError = lastErrorOf(d);
  const status = toMessageStatus(d.status);
  return create(DeliveryStateSchema, {
    messageId: d.messageId,
    conversationId: d.conversationId,
    contactId: d.contactId ?? "",
    channelId: d.channelId,
    channelType: channelTypeOf(d.channelType),
    status,
    externalMessageId: d.externalMessageId ?? "",
    attemptCount: d.attemptCount,
    ...(lastError === undefined ? {} : { lastError: toChannelError(lastError) }),
    ...(status === MessageStatus.PENDING && d.nextAttemptAt
      ? { nextAttemptAt: timestampFromDate(d.nextAttemptAt) }
      : {}),
    updatedAt: timestampFromDate(d.updatedAt),
  });
}

export function toDeliveryAttempt(a: Attempt): DeliveryAttempt {
  const failed = a.errorCode !== null && a.errorCode !== undefined;
  return create(DeliveryAttemptSchema, {
    id: a.id,
    messageId: a.messageId,
    attempt: a.attempt,
    startedAt: timestampFromDate(a.startedAt),
    ...(a.durationMs === null || a.durationMs === undefined ? {} : { latency: durationFromMs(a.durationMs) }),
    outcome: toAttemptOutcome(a.outcome),
    httpStatus: a.httpStatus,
    ...(failed
      ? {
          error: toChannelError({
            code: a.errorCode ?? 0,
            title: a.errorTitle ?? "",
            message: a.errorMessage ?? "",
            details: a.errorDetails ?? "",
            retryable: a.retryable ?? false,
          }),
        }
      : {}),
    externalMessageId: a.externalMessageId ?? "",
    channelId: a.channelId,
    conversationId: a.conversationId,
  });
}
