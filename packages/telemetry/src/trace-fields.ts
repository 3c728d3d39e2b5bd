import { context, isSpanContextValid, trace } from "@opentelemetry/api";

export interface TraceFields {
  trace_id?: string;
  span_id?: string;
}

/** The active span's ids in the snake_case keys log backends correlate on; empty outside a trace. */
export function activeTraceFields(): TraceFields {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
