import { context, logs, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import type { IMetricReader } from "@opentelemetry/sdk-metrics";
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";

export type TelemetryExporter = "none" | "console" | "otlp";

export const TELEMETRY_EXPORTERS: readonly TelemetryExporter[] = ["none", "console", "otlp"];

export interface TelemetryOptions {
  service: string;
  version?: string;
  /**
   * "none": W3C propagation and async context only; spans are not recorded (the default for services).
   * "console": spans printed to stdout. "otlp": spans and metrics sent over OTLP/HTTP.
   */
  exporter: TelemetryExporter;
  /** OTLP/HTTP base URL, e.g. http://collector:4318; defaults to the OTEL_EXPORTER_OTLP_* env vars. */
  otlpEndpoint?: string;
  /** Extra span processors (tests pass an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
  /** Extra metric readers. */
  metricReaders?: IMetricReader[];
}

export interface Telemetry {
  /** Flushes pending spans and metrics, then unregisters the process-wide OpenTelemetry globals. */
  shutdown(): Promise<void>;
}

function otlpUrl(endpoint: string | undefined, signal: "traces" | "metrics"): { url?: string } {
  if (endpoint === undefined) return {};
  return { url: `${endpoint.replace(/\/+$/, "")}/v1/${signal}` };
}

function exporterSpanProcessors(options: TelemetryOptions): SpanProcessor[] {
  switch (options.exporter) {
    case "none":
      return [];
    case "console":
      return [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })];
    case "otlp":
      return [
        new BatchSpanProcessor({ exporter: new OTLPTraceExporter(otlpUrl(options.otlpEndpoint, "traces")) }),
      ];
  }
}

function exporterMetricReaders(options: TelemetryOptions): IMetricReader[] {
  if (options.exporter !== "otlp") return [];
  return [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(otlpUrl(options.otlpEndpoint, "metrics")),
    }),
  ];
}

/**
 * Starts the OpenTelemetry Node SDK for this process. The API's registrations are process-wide, so
 * call it once from a composition root; `shutdown()` undoes them so it can be started again.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (options.service.trim() === "") throw new Error("telemetry needs a service name");
  if (!TELEMETRY_EXPORTERS.includes(options.exporter)) {
    throw new Error(
      `invalid telemetry exporter "${String(options.exporter)}": use one of ${TELEMETRY_EXPORTERS.join(", ")}`,
    );
  }
  // A registered propagator means another handle is live; a second SDK would be silently ignored.
  if (propagation.fields().length > 0) {
    throw new Error("telemetry is already started in this process: shut the existing handle down first");
  }
  const attributes: Record<string, string> = { "service.name": options.service };
  if (options.version !== undefined) attributes["service.version"] = options.version;
  const spanProcessors = [...exporterSpanProcessors(options), ...(options.spanProcessors ?? [])];
  const sdk = new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes(attributes)),
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new W3CTraceContextPropagator(),
    spanProcessors,
    metricReaders: [...exporterMetricReaders(options), ...(options.metricReaders ?? [])],
    // Logs go through pino to stdout; without this the SDK would start an OTLP log exporter.
    logRecordProcessors: [],
  });
  sdk.start();
  // SimpleSpanProcessor.shutdown() drops exports still waiting on async resource attributes: flush first.
  const flushThenShutdown = async () => {
    await Promise.allSettled(spanProcessors.map((processor) => processor.forceFlush()));
    await sdk.shutdown();
  };
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= flushThenShutdown().finally(() => {
        trace.disable();
        metrics.disable();
        logs.disable();
        propagation.disable();
        context.disable();
      });
      return stopping;
    },
  };
}
