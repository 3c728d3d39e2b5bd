import type { MeterProvider as ApiMeterProvider } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { CollectionResult, IMetricReader, MetricCollectOptions } from "@opentelemetry/sdk-metrics";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { ScrapeReader } from "./scrape-reader.js";

/** Anything `/metrics` can read on demand: a registry, or another OpenTelemetry metric producer. */
export interface MetricsSource {
  collect(options?: MetricCollectOptions): Promise<CollectionResult>;
}

/**
 * The metrics of one process (or one component, when it was given none): instruments are created on
 * `meterProvider`; `collect()` reads them all, cumulative, when `/metrics` is scraped.
 */
export interface MetricsRegistry extends MetricsSource {
  readonly meterProvider: ApiMeterProvider;
  /** Flushes and stops the extra readers (a pull-only registry holds no timer or socket). */
  shutdown(): Promise<void>;
}

export interface MetricsRegistryOptions {
  /** `service.name` of the registry's resource (Prometheus `target_info`). */
  service: string;
  /** More readers of the same instruments, e.g. a PeriodicExportingMetricReader towards OTLP. */
  readers?: readonly IMetricReader[];
}

/**
 * An explicit registry instead of OpenTelemetry's global meter provider: the server and the bus of a
 * process record into the one they are given, and tests get their own.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
  const reader = new ScrapeReader();
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": options.service }),
    readers: [reader, ...(options.readers ?? [])],
  });
  return {
    meterProvider,
    collect: (collectOptions) => reader.collect(collectOptions),
    shutdown: () => meterProvider.shutdown(),
  };
}
