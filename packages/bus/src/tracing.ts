import type { JsMsg } from "@nats-io/jetstream";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
} from "@opentelemetry/api";
import { headerGetter } from "./headers.js";

/**
 * Starts the CONSUMER span of one delivered event as a child of the publisher's span (its context
 * travels in the message headers). Returns the parent too, so the handler can run inside the span.
 */
export function startProcessSpan(
  tracing: { tracer: Tracer; propagator: TextMapPropagator },
  msg: JsMsg,
  attributes: Attributes,
): { parent: Context; span: Span } {
  const parent = tracing.propagator.extract(ROOT_CONTEXT, msg.headers, headerGetter);
  const span = tracing.tracer.startSpan(
    `process ${msg.subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "process",
        "messaging.destination.name": msg.subject,
        ...attributes,
      },
    },
    parent,
  );
  return { parent, span };
}

/** Marks the span failed with the handler's error. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
