import type { MetricsRegistry } from "@atendo/telemetry";

type Point = { attributes: Record<string, unknown>; value: unknown };

/**
 * The value of one series of a registry, as a scrape would read it now (gauges ask the server): the
 * counter's or gauge's point whose attributes include `attributes`; undefined when there is none.
 */
export async function sampleOf(
  registry: MetricsRegistry,
  name: string,
  attributes: Record<string, string>,
): Promise<number | undefined> {
  const { resourceMetrics, errors } = await registry.collect();
  if (errors.length > 0) throw new AggregateError(errors, "metrics collection failed");
  const points = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric): Point[] => metric.dataPoints);
  const point = points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  return typeof point?.value === "number" ? point.value : undefined;
}
