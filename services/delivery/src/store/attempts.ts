import { type EntityManager, pgText } from "@atendo/db";
import { type FilterQuery, QueryOrder } from "@mikro-orm/core";
import type { AttemptOutcomeName, SendOutcome } from "../domain/send-outcome.js";
import { attemptOutcomeOf } from "../domain/send-outcome.js";
import { type Attempt, AttemptEntity } from "./attempt-entity.js";

/**
 * Stores how an attempt ended. The channel's text is cleaned of what Postgres cannot hold (a NUL, a
 * lone surrogate: also where the snippet cut a pair in two), or the transaction would fail.
 */
export function recordAttemptResult(attempt: Attempt, outcome: SendOutcome): void {
  attempt.outcome = attemptOutcomeOf(outcome);
  attempt.durationMs = outcome.durationMs;
  attempt.httpStatus = outcome.httpStatus;
  attempt.responseSnippet = outcome.responseSnippet === "" ? null : pgText(outcome.responseSnippet);
  if (outcome.kind === "accepted") {
    attempt.externalMessageId = pgText(outcome.externalMessageId);
    attempt.retryable = null;
    return;
  }
  attempt.errorCode = outcome.error.code;
  attempt.errorTitle = pgText(outcome.error.title);
  attempt.errorMessage = pgText(outcome.error.message);
  attempt.errorDetails = pgText(outcome.error.details);
  attempt.retryable = outcome.error.retryable;
}

export function findAttempt(em: EntityManager, deliveryId: string, attempt: number): Promise<Attempt | null> {
  return em.findOne(AttemptEntity, { deliveryId, attempt });
}

export function listDeliveryAttempts(em: EntityManager, deliveryId: string): Promise<Attempt[]> {
  return em.find(AttemptEntity, { deliveryId }, { orderBy: { attempt: QueryOrder.ASC } });
}

export interface AttemptFilter {
  workspaceId: string;
  messageId?: string;
  channelId?: string;
  outcome?: AttemptOutcomeName;
  /** Keyset cursor: only attempts older than this one. */
  before?: string;
}

/** Attempts of a workspace, newest first (UUIDv7 ids follow start order). */
export function listAttemptsPage(
  em: EntityManager,
  filter: AttemptFilter,
  limit: number,
): Promise<Attempt[]> {
  const where: FilterQuery<Attempt> = {
    workspaceId: filter.workspaceId,
    ...(filter.messageId === undefined ? {} : { messageId: filter.messageId }),
    ...(filter.channelId === undefined ? {} : { channelId: filter.channelId }),
    ...(filter.outcome === undefined ? {} : { outcome: filter.outcome }),
    ...(filter.before === undefined ? {} : { id: { $lt: filter.before } }),
  };
  return em.find(AttemptEntity, where, { orderBy: { id: QueryOrder.DESC }, limit });
}
