import type { EventMeta } from "@atendo/proto/common/v1";
import type { DescMessage } from "@bufbuild/protobuf";
import type { JsMsg } from "@nats-io/jetstream";
import {
  type Context,
  context,
  type Span,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { type Backoff, retryDelayMs } from "./backoff.js";
import type { BusMetrics } from "./bus-metrics.js";
import type { EventContext, EventHandler } from "./consume-options.js";
import type { DeadLetterPublisher } from "./dead-letter.js";
import { decodeEvent } from "./decode-event.js";
import { PermanentError, TransientError } from "./errors.js";
import { eventLogFields } from "./event-meta.js";
import { flattenHeaders } from "./headers.js";
import type { BusLogger } from "./logger.js";
import { recordFailure, startProcessSpan } from "./tracing.js";

export type MessageProcessorDeps<S extends DescMessage> = {
  stream: string;
  durable: string;
  schemasBySubject: ReadonlyMap<string, S>;
  handler: EventHandler<S>;
  maxDeliver: number;
  ackWaitMs: number;
  backoff: Backoff;
  logger: BusLogger;
  tracer: Tracer;
  propagator: TextMapPropagator;
  deadLetters: DeadLetterPublisher;
  metrics: BusMetrics;
};

/** Runs one delivery through decode, handler and settlement (ack, nak with delay, or dead letter + term). */
export type MessageProcessor = (msg: JsMsg, stopSignal: AbortSignal) => Promise<void>;

// Attempts at writing a dead letter before handing the event back to the server.
const DEAD_LETTER_ATTEMPTS = 3;

export function createMessageProcessor<S extends DescMessage>(
  deps: MessageProcessorDeps<S>,
): MessageProcessor {
  const { stream, durable, maxDeliver, ackWaitMs, backoff, tracer, propagator, metrics } = deps;
  const labels = { stream, durable };

  async function giveUp(
    msg: JsMsg,
    reason: string,
    meta: EventMeta | undefined,
    log: BusLogger,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.deadLetters.publish({
          stream,
          durable,
          subject: msg.subject,
          payload: msg.data,
          headers: msg.headers,
          seq: msg.seq,
          deliveryCount: msg.info.deliveryCount,
          reason,
          meta,
        });
        break;
      } catch (err) {
        if (attempt >= DEAD_LETTER_ATTEMPTS) {
          // Never term what was not recorded: the server keeps it (redelivered unless this was the last try).
          log.error(
            { err, reason, stream_seq: msg.seq },
            "dead letter could not be written; event handed back",
          );
          msg.nak(retryDelayMs(msg.info.deliveryCount, backoff));
          metrics.consumed(labels, "nak");
          return;
        }
        msg.working();
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    msg.term();
    metrics.consumed(labels, "term");
    log.error({ reason, delivery_count: msg.info.deliveryCount, stream_seq: msg.seq }, "event dead-lettered");
  }

  async function settleFailure(
    msg: JsMsg,
    err: unknown,
    meta: EventMeta,
    log: BusLogger,
    interrupted: "stop" | "lease" | undefined,
  ): Promise<void> {
    const deliveryCount = msg.info.deliveryCount;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof PermanentError) {
      await giveUp(msg, message, meta, log);
      return;
    }
    // The server never redelivers past max_deliver, so the last failure must be recorded now.
    if (deliveryCount >= maxDeliver) {
      await giveUp(msg, `failed on delivery ${deliveryCount} of ${maxDeliver}: ${message}`, meta, log);
      return;
    }
    if (interrupted === "lease") {
      // The server took the event back when the ack wait ran out; a nak would only add a delivery.
      log.warn({ err, delivery_count: deliveryCount }, "handler failed after its ack wait ran out");
      metrics.consumed(labels, "expired");
      return;
    }
    if (interrupted === "stop") {
      msg.nak();
      metrics.consumed(labels, "nak");
      log.info({ delivery_count: deliveryCount }, "handler interrupted by stop; event handed back");
      return;
    }
    const delay =
      err instanceof TransientError && err.delayMs !== undefined
        ? err.delayMs
        : retryDelayMs(deliveryCount, backoff);
    msg.nak(delay);
    metrics.consumed(labels, "nak");
    log.warn(
      { err, delivery_count: deliveryCount, retry_in_ms: delay },
      "handler failed; event will be retried",
    );
  }

  type HandlerOutcome =
    | { ok: true }
    | { ok: false; error: unknown; interrupted: "stop" | "lease" | undefined };

  async function runHandler(
    msg: JsMsg,
    event: Parameters<EventHandler<S>>[0],
    meta: EventMeta,
    log: BusLogger,
    stopSignal: AbortSignal,
    parent: Context,
    span: Span,
  ): Promise<HandlerOutcome> {
    const lease = new AbortController();
    let settled = false;
    const leaseTimer = setTimeout(() => {
      lease.abort(
        new Error(`ack wait of ${ackWaitMs} ms passed without working(); the event is redelivered`),
      );
      log.warn({ ack_wait_ms: ackWaitMs }, "handler exceeded ack wait without working()");
    }, ackWaitMs);
    const ctx: EventContext = {
      meta,
      subject: msg.subject,
      stream,
      streamSequence: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      headers: flattenHeaders(msg.headers),
      working() {
        if (settled || lease.signal.aborted) return;
        msg.working();
        leaseTimer.refresh();
      },
      signal: AbortSignal.any([stopSignal, lease.signal]),
      logger: log,
    };
    try {
      await context.with(trace.setSpan(parent, span), () => deps.handler(event, ctx));
      return { ok: true };
    } catch (error) {
      const interrupted = lease.signal.aborted ? "lease" : stopSignal.aborted ? "stop" : undefined;
      return { ok: false, error, interrupted };
    } finally {
      settled = true;
      clearTimeout(leaseTimer);
    }
  }

  return async (msg, stopSignal) => {
    const schema = deps.schemasBySubject.get(msg.subject);
    if (schema === undefined) {
      // Another event type of the same domain (the filter is the domain wildcard): not ours to handle.
      msg.ack();
      metrics.consumed(labels, "ack");
      return;
    }
    const baseLog = deps.logger.child({ subject: msg.subject, stream_seq: msg.seq });
    const decoded = decodeEvent(schema, msg.data);
    if (!decoded.ok) {
      await giveUp(msg, decoded.reason, decoded.meta, baseLog);
      return;
    }
    const { event, meta } = decoded;
    const log = baseLog.child(eventLogFields(meta));

    const { parent, span } = startProcessSpan({ tracer, propagator }, msg, {
      "messaging.consumer.group.name": durable,
      "messaging.message.id": meta.eventId,
      "messaging.message.delivery_count": msg.info.deliveryCount,
    });
    const outcome = await runHandler(msg, event, meta, log, stopSignal, parent, span);
    if (outcome.ok) {
      metrics.consumed(labels, "ack");
      try {
        if (!(await msg.ackAck())) log.warn({}, "ack not confirmed; the event may be redelivered");
      } catch (err) {
        log.warn({ err }, "ack not confirmed; the event may be redelivered");
      }
    } else {
      recordFailure(span, outcome.error);
      await settleFailure(msg, outcome.error, meta, log, outcome.interrupted);
    }
    span.end();
  };
}
