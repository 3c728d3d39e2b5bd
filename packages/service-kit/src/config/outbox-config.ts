import { int } from "./env-var.js";

const DAY_MS = 24 * 3_600_000;

/**
 * The variables of a service that relays an outbox and prunes old rows (@atendo/db's
 * createOutboxRelay and createRetentionJob), next to commonConfigSpec:
 * `readConfig({ ...commonConfigSpec("ai"), ...outboxConfigSpec() })`.
 */
export function outboxConfigSpec() {
  return {
    OUTBOX_RELAY_INTERVAL_MS: int(
      "how often the outbox relay looks for events no commit of this process announced (other replicas' leftovers, retries), in ms",
      { min: 50, max: 60_000 },
    ).default(1_000),
    OUTBOX_MAX_ATTEMPTS: int("failed publishes before an outbox event is left `failed` for operators", {
      min: 1,
      max: 1_000,
    }).default(10),
    RETENTION_DAYS: int(
      "days inbox rows and published outbox rows are kept (keep it above the streams' max age)",
      { min: 1, max: 3_650 },
    ).default(30),
    RETENTION_INTERVAL_MS: int("how often rows past retention are deleted, in ms", {
      min: 1_000,
      max: DAY_MS,
    }).default(3_600_000),
  };
}

/** The outbox and retention settings, shaped as the options they feed. */
export interface OutboxConfig {
  /** For @atendo/db's createOutboxRelay. */
  outboxRelay: { intervalMs: number; maxAttempts: number };
  /** For @atendo/db's createRetentionJob. */
  retention: { maxAgeMs: number; intervalMs: number };
}

export function outboxConfigOf(c: {
  OUTBOX_RELAY_INTERVAL_MS: number;
  OUTBOX_MAX_ATTEMPTS: number;
  RETENTION_DAYS: number;
  RETENTION_INTERVAL_MS: number;
}): OutboxConfig {
  return {
    outboxRelay: { intervalMs: c.OUTBOX_RELAY_INTERVAL_MS, maxAttempts: c.OUTBOX_MAX_ATTEMPTS },
    retention: { maxAgeMs: c.RETENTION_DAYS * DAY_MS, intervalMs: c.RETENTION_INTERVAL_MS },
  };
}
