import { AggregationTemporality, InstrumentType, MetricReader } from "@opentelemetry/sdk-metrics";

/**
 * A reader that only collects when asked (a scrape). Counters and histograms are cumulative, as
 * Prometheus expects. Observable gauges are delta: a scrape shows only what their callbacks
 * observed this time, so a stopped consumer or a value that could not be read disappears instead
 * of repeating its last value forever (what a cumulative gauge does in the OpenTelemetry SDK).
 */
export class ScrapeReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: (type) =>
        type === InstrumentType.OBSERVABLE_GAUGE
          ? AggregationTemporality.DELTA
          : AggregationTemporality.CUMULATIVE,
    });
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
