import type { ServiceMetrics } from "@atendo/telemetry";

/** Why a webhook request was answered without storing it. */
export type RefusalReason = "rate_limited" | "overloaded";

/** The ingress-only instruments (next to @atendo/telemetry's shared ones). */
export interface WebhookMetrics {
  /** A stored delivery gave up publishing: it is `failed` until replayed. */
  rowFailed(): void;
  /** A webhook request was refused (429 or 503) with nothing stored. */
  refused(reason: RefusalReason): void;
  /** A signed delivery was refused with 429 over its tenant's or channel's rate limit (a throttled row). */
  throttled(scope: "tenant" | "channel"): void;
  /**
   * Reports the bytes of webhook bodies held by requests in progress (the body budget) each time
   * metrics are collected. Returns a function that stops reporting them.
   */
  observeBodyBytes(read: () => number): () => void;
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
  const throttled = meter.createCounter("atendo.ingress.webhooks.throttled", {
    description: "Signed webhook deliveries refused with 429 over a rate limit, by the limit's scope",
    unit: "{delivery}",
  });
  const bodyBytes = meter.createObservableGauge("atendo.ingress.webhooks.body_bytes", {
    description: "Bytes of webhook bodies held by requests in progress (taken before reading)",
    unit: "By",
  });
  return {
    rowFailed: () => failed.add(1),
    refused: (reason) => refused.add(1, { reason }),
    throttled: (scope) => throttled.add(1, { scope }),
    observeBodyBytes(read) {
      const callback: Parameters<typeof bodyBytes.addCallback>[0] = (result) => result.observe(read());
      bodyBytes.addCallback(callback);
      return () => bodyBytes.removeCallback(callback);
    },
  };
}
