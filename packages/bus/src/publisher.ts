import { type EventMeta, EventMetaSchema } from "@atendo/proto/common/v1";
import { type DescMessage, fromBinary, type Message, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { headers as natsHeaders } from "@nats-io/nats-core";
import {
  context,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { BusMetrics } from "./bus-metrics.js";
import { assertEventSchema, metaOf } from "./event-meta.js";
import { CORRELATION_ID_HEADER, EVENT_TYPE_HEADER, fieldSetter, TENANT_ID_HEADER } from "./headers.js";
import type { InFlightLimit } from "./in-flight-limit.js";
import type { Naming } from "./naming.js";
import type { StreamPublisher } from "./stream-publish.js";

export type PublishOptions = {
  /** JetStream dedupe id; defaults to `event.meta.eventId`. */
  msgId?: string;
  /** Extra headers; the bus's own headers win on a clash. */
  headers?: Record<string, string>;
  /** How long to wait for the stream's acknowledgement. Default: the bus's API timeout. */
  timeoutMs?: number;
};

/** `publish`'s options: those of any publish, and the bytes when the caller has them already. */
export type PublishEventOptions = PublishOptions & {
  /**
   * `toBinary(schema, event)`, when the caller encoded the event already (ingress measures every
   * event against its size budget): sent as they are instead of encoding the event again.
   */
  data?: Uint8Array;
};

export type PublishAck = {
  stream: string;
  seq: number;
  /** True when the stream already held this msgId within its duplicate window: nothing was stored. */
  duplicate: boolean;
};

/**
 * An event encoded for publishing later: what a consumer stores with the event it handled (see
 * @atendo/db's inbox) so that a redelivery republishes the same bytes under the same msgID.
 */
export type EncodedEvent = {
  subject: string;
  msgId: string;
  eventType: string;
  data: Uint8Array;
};

export type Publisher = {
  publish<S extends DescMessage>(
    schema: S,
    event: MessageShape<S>,
    options?: PublishEventOptions,
  ): Promise<PublishAck>;
  encode<S extends DescMessage>(
    schema: S,
    event: MessageShape<S>,
    options?: { msgId?: string },
  ): EncodedEvent;
  publishEncoded(event: EncodedEvent, options?: Omit<PublishOptions, "msgId">): Promise<PublishAck>;
};

export function createPublisher(deps: {
  /** Publishes to the streams (stream-publish.ts). */
  streams: StreamPublisher;
  /** How long a publish waits for its acknowledgement unless told otherwise. */
  timeoutMs: number;
  naming: Naming;
  tracer: Tracer;
  propagator: TextMapPropagator;
  metrics: BusMetrics;
  /** Publishes waiting for their acknowledgement at once; the next ones wait for a slot. */
  inFlight: InFlightLimit;
}): Publisher {
  const { streams, naming, tracer, propagator, metrics, inFlight } = deps;
  const checked = new WeakSet<DescMessage>();

  function encode<S extends DescMessage>(
    schema: S,
    event: MessageShape<S>,
    options: { msgId?: string; data?: Uint8Array } = {},
  ): EncodedEvent {
    if (!checked.has(schema)) {
      assertEventSchema(schema);
      checked.add(schema);
    }
    const meta = metaOf(event as Message);
    if (meta === undefined) throw new TypeError(`cannot publish ${schema.typeName}: meta is missing`);
    if (meta.eventId === "") throw new TypeError(`cannot publish ${schema.typeName}: meta.event_id is empty`);
    const msgId = options.msgId ?? meta.eventId;
    if (msgId === "") throw new TypeError(`cannot publish ${schema.typeName}: msgId is empty`);
    return {
      subject: naming.subject(schema),
      msgId,
      eventType: schema.typeName,
      data: options.data ?? toBinary(schema, event),
    };
  }

  async function send(
    encoded: EncodedEvent,
    meta: EventMeta | undefined,
    options: Omit<PublishOptions, "msgId">,
  ): Promise<PublishAck> {
    const { subject, msgId: msgID, data } = encoded;
    const labels = { stream: streamOfType(naming, encoded.eventType), subject };
    const span = tracer.startSpan(`send ${subject}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "messaging.destination.name": subject,
        "messaging.message.id": msgID,
        "messaging.message.body.size": data.byteLength,
      },
    });
    try {
      // Gathered in a plain object first (later writes win, the bus's own last), then each header
      // appended once: MsgHdrs.set searches and validates the keys on every call, which at 20
      // events per webhook was a measurable part of a publish.
      const fields: Record<string, string> = { ...options.headers };
      // The consumer's span continues from this producer span.
      propagator.inject(trace.setSpan(context.active(), span), fields, fieldSetter);
      fields[EVENT_TYPE_HEADER] = encoded.eventType;
      if (meta !== undefined && meta.tenantId !== "") fields[TENANT_ID_HEADER] = meta.tenantId;
      if (meta !== undefined && meta.correlationId !== "") fields[CORRELATION_ID_HEADER] = meta.correlationId;
      const h = natsHeaders();
      for (const key in fields) h.append(key, fields[key] ?? "");
      const ack = await inFlight.run(() =>
        streams.publish(subject, data, { msgID, headers: h, timeoutMs: options.timeoutMs ?? deps.timeoutMs }),
      );
      span.setAttribute("messaging.nats.stream_sequence", ack.seq);
      metrics.published(labels, ack.duplicate ? "duplicate" : "ok");
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      metrics.published(labels, "error");
      throw publishError(err, subject, domainOfType(encoded.eventType));
    } finally {
      span.end();
    }
  }

  return {
    encode,
    async publish(schema, event, options = {}) {
      const encoded = encode(schema, event, options);
      const { msgId: _ignored, data: _encoded, ...rest } = options;
      return send(encoded, metaOf(event as Message), rest);
    },
    async publishEncoded(encoded, options = {}) {
      return send(encoded, metaFromBytes(encoded.data), options);
    },
  };
}

/** `atendo.<domain>.v1.Name` -> `<domain>` (for error hints). */
function domainOfType(typeName: string): string {
  return typeName.split(".")[1] ?? typeName;
}

/** The stream an event type is stored in on this bus ("" for a malformed type, which no stream takes). */
function streamOfType(naming: Naming, typeName: string): string {
  try {
    return naming.stream(domainOfType(typeName));
  } catch {
    return "";
  }
}

/** Reads field 1 (`meta`) of an encoded event without knowing its schema. */
function metaFromBytes(data: Uint8Array): EventMeta | undefined {
  try {
    const reader = new BinaryReader(data);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 1 && wireType === WireType.LengthDelimited)
        return fromBinary(EventMetaSchema, reader.bytes());
      reader.skip(wireType);
    }
  } catch {
    // Headers are a convenience; the payload itself is what consumers read.
  }
  return undefined;
}

// Without a stream on the subject nobody answers, which the client reports as "jetstream is not enabled".
function publishError(err: unknown, subject: string, domain: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === "JetStreamNotEnabled") {
    return new Error(
      `publish to ${subject} failed: no JetStream stream answered; provision it with ensureStream({ domain: "${domain}" })`,
      { cause: err },
    );
  }
  return new Error(`publish to ${subject} failed: ${message}`, { cause: err });
}
