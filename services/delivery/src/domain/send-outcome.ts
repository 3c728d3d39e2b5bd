/** A channel error, normalised (the shape of atendo.common.v1.ChannelError). */
export interface ChannelErrorInfo {
  code: number;
  title: string;
  message: string;
  details: string;
  retryable: boolean;
}

/**
 * How a send attempt ended, as delivery acts on it:
 * - permanent: fix the request or the recipient; never retried (131047, 131026, 100, ...);
 * - blocked: the business may not send (368, 131031); never retried;
 * - auth: the channel's token was refused (190); the channel needs reconnecting;
 * - transient: retry with backoff (131000, 5xx, timeouts, network errors);
 * - throughput: the business number's rate limit (130429); retry with backoff;
 * - pair_rate_limit: too many messages to this recipient (131056); retry that recipient after 4^n s;
 * - skipped: nothing was sent (channel not active); never retried;
 * - held: nothing was sent because the tenant is suspended; sent again when it is reactivated.
 */
export type FailureKind =
  | "permanent"
  | "blocked"
  | "auth"
  | "transient"
  | "throughput"
  | "pair_rate_limit"
  | "skipped"
  | "held";

export type SendOutcome =
  | {
      kind: "accepted";
      externalMessageId: string;
      httpStatus: number;
      durationMs: number;
      responseSnippet: string;
    }
  | {
      kind: FailureKind;
      error: ChannelErrorInfo;
      /** 0 when no HTTP response came (network error, timeout, not sent). */
      httpStatus: number;
      durationMs: number;
      responseSnippet: string;
      /** From a Retry-After header, when the channel sent one. */
      retryAfterMs?: number;
    };

export type FailedOutcome = Exclude<SendOutcome, { kind: "accepted" }>;

/** Failures worth another attempt later. */
export function isRetryable(kind: FailureKind): boolean {
  return kind === "transient" || kind === "throughput" || kind === "pair_rate_limit";
}

/** Attempt outcomes as stored and shown by ListAttempts (DeliveryAttempt.outcome). */
export const ATTEMPT_OUTCOMES = [
  "ACCEPTED",
  "RETRYABLE_FAILURE",
  "PERMANENT_FAILURE",
  "AUTH_FAILURE",
  "SKIPPED",
] as const;
export type AttemptOutcomeName = (typeof ATTEMPT_OUTCOMES)[number];

export function attemptOutcomeOf(outcome: SendOutcome): AttemptOutcomeName {
  switch (outcome.kind) {
    case "accepted":
      return "ACCEPTED";
    case "auth":
      return "AUTH_FAILURE";
    case "skipped":
    case "held":
      return "SKIPPED";
    case "permanent":
    case "blocked":
      return "PERMANENT_FAILURE";
    case "transient":
    case "throughput":
    case "pair_rate_limit":
      return "RETRYABLE_FAILURE";
  }
}

/** A failure decided without an answer from the channel (nothing sent, or no response). */
export function notSent(kind: FailureKind, title: string, message: string, code = 0): FailedOutcome {
  return {
    kind,
    error: { code, title, message, details: "", retryable: isRetryable(kind) },
    httpStatus: 0,
    durationMs: 0,
    responseSnippet: "",
  };
}
