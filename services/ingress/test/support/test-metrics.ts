import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";

/** A meter provider whose metrics a test reads back when it asks (never on a timer). */
export interface TestMetrics {
  meterProvider: MeterProvider;
  /** The sum of a counter's points (every attribute set), 0 before anything was counted. */
  counter(name: string, attributes?: Record<string, string>): Promise<number>;
  /** A gauge's current value for the attributes, undefined when none was observed. */
  gauge(name: string, attributes: Record<string, string>): Promise<number | undefined>;
  shutdown(): Promise<void>;
}

export function createTestMetrics(): TestMetrics {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });

  async function points(name: string, attributes: Record<string, string>): Promise<DataPoint<number>[]> {
    exporter.reset();
    await reader.forceFlush();
    const metric: MetricData | undefined = exporter
      .getMetrics()
      .flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics))
      .findLast((m) => m.descriptor.name === name);
    return ((metric?.dataPoints ?? []) as DataPoint<number>[]).filter((p) =>
      Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
    );
  }

  return {
    meterProvider,
    async counter(name, attributes = {}) {
      return (await points(name, attributes)).reduce((sum, p) => sum + p.value, 0);
    },
    async gauge(name, attributes) {
      return (await points(name, attributes)).at(-1)?.value;
    },
    shutdown: () => meterProvider.shutdown(),
  };
}
