import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { MetricsSource } from "./metrics-registry.js";

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface PrometheusScrape {
  text: string;
  /** Observations that failed or ran out of time; the rest of the text is still valid. */
  errors: unknown[];
}

export interface PrometheusScraper {
  scrape(): Promise<PrometheusScrape>;
}

/**
 * Reads several sources into one Prometheus text: their metrics are merged by name before
 * serializing, so a name recorded in two sources still has one HELP and TYPE. `timeoutMs` bounds
 * asynchronous observations (a gauge asking NATS), whose late values are left out.
 */
export function createPrometheusScraper(
  sources: readonly MetricsSource[],
  options: { timeoutMs?: number } = {},
): PrometheusScraper {
  const unique = [...new Set(sources)];
  const timeoutMillis = options.timeoutMs ?? 5_000;
  const serializer = new PrometheusSerializer();
  return {
    async scrape() {
      const results = await Promise.all(unique.map((source) => source.collect({ timeoutMillis })));
      const [first] = results;
      if (first === undefined) return { text: "", errors: [] };
      const merged: ResourceMetrics = {
        resource: first.resourceMetrics.resource,
        scopeMetrics: results.flatMap((result) => result.resourceMetrics.scopeMetrics),
      };
      return { text: serializer.serialize(merged), errors: results.flatMap((result) => result.errors) };
    },
  };
}
