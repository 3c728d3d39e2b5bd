import { DeadLetterSchema, type EventMeta } from "@atendo/proto/common/v1";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/nats-core";
import type { BusMetrics } from "./bus-metrics.js";
import { EVENT_TYPE_HEADER, flattenHeaders, TENANT_ID_HEADER } from "./headers.js";
import type { Naming } from "./naming.js";
import type { StreamPublisher } from "./stream-publish.js";

export type DeadLetterInput = {
  stream: string;
  durable: string;
  /** The stored event: subject, bytes, headers and stream sequence. */
  subject: string;
  payload: Uint8Array;
  headers: MsgHdrs | undefined;
  seq: number;
  deliveryCount: number;
  reason: string;
  meta: EventMeta | undefined;
};

export type DeadLetterPublisher = {
  publish(input: DeadLetterInput): Promise<void>;
};

export function createDeadLetterPublisher(deps: {
  /** The bus's one way of publishing to a stream (stream-publish.ts). */
  streams: StreamPublisher;
  timeoutMs: number;
  naming: Naming;
  metrics: BusMetrics;
}): DeadLetterPublisher {
  const { streams, naming, metrics } = deps;
  return {
    async publish({ stream, durable, subject, payload, headers, seq, deliveryCount, reason, meta }) {
      const record = create(DeadLetterSchema, {
        stream,
        consumer: durable,
        subject,
        payload,
        headers: flattenHeaders(headers),
        deliveryCount,
        reason,
        failedAt: timestampNow(),
        eventId: meta?.eventId ?? "",
        tenantId: meta?.tenantId ?? "",
      });
      const h = natsHeaders();
      h.set(EVENT_TYPE_HEADER, DeadLetterSchema.typeName);
      if (meta?.tenantId) h.set(TENANT_ID_HEADER, meta.tenantId);
      // One record per stored event and consumer, even when we give up twice (a lost term, the advisory).
      const msgID = `${stream}.${durable}.${seq}`;
      const ack = await streams.publish(
        naming.deadLetterSubject(stream, durable),
        toBinary(DeadLetterSchema, record),
        {
          msgID,
          headers: h,
          timeoutMs: deps.timeoutMs,
        },
      );
      // A duplicate is the same event given up twice (a lost term, the advisory): counted once.
      if (!ack.duplicate) metrics.deadLettered({ stream, durable });
    },
  };
}
