import { Match, type MsgHdrs } from "@nats-io/nats-core";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/** Message headers the bus sets on every event (next to the W3C `traceparent`/`tracestate`). */
export const EVENT_TYPE_HEADER = "atendo-event-type";
export const TENANT_ID_HEADER = "atendo-tenant-id";
export const CORRELATION_ID_HEADER = "atendo-correlation-id";

/** Writes the trace context into the plain object a publish gathers its headers in. */
export const fieldSetter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

export const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  get(carrier, key) {
    if (carrier === undefined || !carrier.has(key, Match.IgnoreCase)) return undefined;
    return carrier.get(key, Match.IgnoreCase);
  },
};

/** First value of each header; what handlers and dead-letter records see. */
export function flattenHeaders(carrier: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (carrier === undefined) return out;
  for (const [key, values] of carrier) {
    const first = values[0];
    if (first !== undefined) out[key] = first;
  }
  return out;
}
