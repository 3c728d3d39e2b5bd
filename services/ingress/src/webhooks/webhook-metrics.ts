import type { ServiceMetrics } from "@atendo/telemetry";

/** Why a webhook request was answered without storing it. */
export type RefusalReason = "rate_limited" | "overloaded";

/** The ingress-only instruments (next to @atendo/telemetry's shared ones). */
export interface WebhookMetrics {
  /** A stored delivery gave up publishing: it is `failed` until replayed. */
  rowFailed(): void;
  /** A webhook request was refused (429 or 503) with nothing stored. */
  refused(reason: RefusalReason): void;
}

export function createWebhookMetrics(meter: ServiceMetrics["meter"]): WebhookMetrics {
  const failed = meter.createCounter("atendo.ingress.webhooks.failed", {
    description: "Stored webhook deliveries whose events could not be published after every attempt",
    unit: "{delivery}",
  });
  const refused = meter.createCounter("atendo.ingress.webhooks.refused", {
    description: "Webhook requests refused without storing anything, by reason",
    unit: "{request}",
  });
  return {
    rowFailed: () => failed.add(1),
    refused: (reason) => refused.add(1, { reason }),
  };
}
