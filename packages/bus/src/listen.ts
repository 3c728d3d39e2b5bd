import type { DescMessage } from "@bufbuild/protobuf";
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  Consumer as JsConsumer,
  JsMsg,
} from "@nats-io/jetstream";
import { context, type TextMapPropagator, type Tracer, trace } from "@opentelemetry/api";
import { retryDelayMs } from "./backoff.js";
import { decodeEvent } from "./decode-event.js";
import { eventLogFields } from "./event-meta.js";
import { selectEvents } from "./event-schemas.js";
import { flattenHeaders } from "./headers.js";
import type { ListenContext, Listener, ListenOptions } from "./listen-options.js";
import type { BusLogger } from "./logger.js";
import type { Naming } from "./naming.js";
import { sleep } from "./sleep.js";
import type { StreamProvisioner } from "./streams.js";
import { recordFailure, startProcessSpan } from "./tracing.js";

export type ListenerDeps = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  streams: StreamProvisioner;
  tracer: Tracer;
  propagator: TextMapPropagator;
  logger: BusLogger;
};

export type StartedListener = {
  listener: Listener;
  /** Resolves once the events stored since `startAt` were handled; rejects if the listener stops first. */
  caughtUp: Promise<void>;
};

// One pull waits this long on the server; the client's heartbeat check (half of it) notices a lost
// consumer or connection.
const CONSUME = { max_messages: 256, expires: 10_000 };
const REOPEN_RETRY = { initial: 250, max: 10_000 };

/**
 * Hears every matching event in this process, through a JetStream ordered consumer of its own
 * (ephemeral, in memory, no acks): unlike `consume`, every process gets every event. The consumer
 * library recreates the consumer after a reconnect; when it gives up, or the server deletes the
 * consumer, it is opened again after the last event handled. The cursor is kept here too, so an
 * event is never handed over twice.
 */
export async function startListener<S extends DescMessage>(
  deps: ListenerDeps,
  opts: ListenOptions<S>,
): Promise<StartedListener> {
  const { schemasBySubject, filterSubject, domain } = selectEvents(
    deps.naming,
    opts.schema,
    opts.domain,
    "listen",
  );
  const startAt = opts.startAt;
  if (startAt !== undefined && Number.isNaN(startAt.getTime())) {
    throw new RangeError("listen: startAt is not a valid date");
  }
  const stream = await deps.streams.ensureStreamExists(domain);
  const logger = (opts.logger ?? deps.logger).child({ stream, filter: filterSubject });
  const stopController = new AbortController();
  const stopSignal = stopController.signal;
  // The next stream sequence to hand over; unknown until the first event when starting at a time.
  let nextSeq: number | undefined =
    startAt === undefined ? (await deps.jsm.streams.info(stream)).state.last_seq + 1 : undefined;
  let current: ConsumerMessages | undefined;

  let markCaughtUp: () => void = () => {};
  let failCatchUp: (err: Error) => void = () => {};
  const caughtUp = new Promise<void>((resolve, reject) => {
    markCaughtUp = resolve;
    failCatchUp = reject;
  });
  // Nobody may await it (a listener stopped by bus.close() during its replay): no unhandled rejection.
  caughtUp.catch(() => {});

  type Opened = { consumer: JsConsumer; messages: ConsumerMessages };

  async function open(): Promise<Opened> {
    const position =
      nextSeq !== undefined || startAt === undefined
        ? { opt_start_seq: nextSeq ?? 1 }
        : { opt_start_time: startAt.toISOString() };
    const consumer = await deps.js.consumers.get(stream, { filter_subjects: filterSubject, ...position });
    const info = await consumer.info(true);
    if (info.num_pending === 0) markCaughtUp();
    const messages = await consumer.consume(CONSUME);
    return { consumer, messages };
  }

  async function handle(msg: JsMsg): Promise<void> {
    const schema = schemasBySubject.get(msg.subject);
    // Another event type of the domain (the filter is the domain wildcard): not ours.
    if (schema === undefined) return;
    if (opts.prefilter !== undefined && !opts.prefilter(msg.data, msg.subject)) return;
    const log = logger.child({ subject: msg.subject, stream_seq: msg.seq });
    const decoded = decodeEvent(schema, msg.data);
    if (!decoded.ok) {
      log.error({ reason: decoded.reason, event_id: decoded.meta?.eventId }, "event skipped by listener");
      return;
    }
    const { event, meta } = decoded;
    const eventLog = log.child(eventLogFields(meta));
    const ctx: ListenContext = {
      meta,
      subject: msg.subject,
      stream,
      streamSequence: msg.seq,
      storedAt: msg.time,
      headers: flattenHeaders(msg.headers),
      signal: stopSignal,
      logger: eventLog,
    };
    const { parent, span } = startProcessSpan(deps, msg, { "messaging.message.id": meta.eventId });
    try {
      await context.with(trace.setSpan(parent, span), () => opts.handler(event, ctx));
    } catch (err) {
      recordFailure(span, err);
      eventLog.error({ err }, "listener handler failed; the next event follows");
    } finally {
      span.end();
    }
  }

  async function drain({ messages }: Opened): Promise<void> {
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type !== "consumer_deleted") continue;
        // The library would wait for two missed heartbeats; reopen after the last event at once.
        logger.warn({}, "listener's consumer was deleted; reopening");
        messages.stop();
      }
    })().catch(() => {});
    for await (const msg of messages) {
      // A recreated consumer may start before what was handed over already.
      if (nextSeq !== undefined && msg.seq < nextSeq) continue;
      nextSeq = msg.seq + 1;
      if (startAt === undefined || msg.time >= startAt) await handle(msg);
      if (msg.info.pending === 0) markCaughtUp();
      if (stopSignal.aborted) break;
    }
  }

  async function run(first: Opened): Promise<void> {
    let opened: Opened | undefined = first;
    let failures = 0;
    while (!stopSignal.aborted) {
      if (opened === undefined) {
        try {
          opened = await open();
          logger.info({ from_seq: nextSeq }, "listener reopened");
        } catch (err) {
          failures++;
          const delay = retryDelayMs(failures, REOPEN_RETRY);
          logger.warn({ err, retry_in_ms: delay }, "listener cannot reopen its consumer; retrying");
          await sleep(delay, stopSignal);
          continue;
        }
      }
      current = opened.messages;
      if (stopSignal.aborted) opened.messages.stop();
      try {
        await drain(opened);
        failures = 0;
      } catch (err) {
        if (!stopSignal.aborted) logger.warn({ err }, "listener interrupted; reopening");
      }
      current = undefined;
      // Best effort: an ordered consumer left behind is removed by the server once inactive.
      opened.consumer.delete().catch(() => {});
      opened = undefined;
      if (!stopSignal.aborted) await sleep(retryDelayMs(failures + 1, REOPEN_RETRY), stopSignal);
    }
  }

  const running = run(await open());
  logger.info({ from_seq: nextSeq, from_time: startAt?.toISOString() }, "listener started");

  let stopped: Promise<void> | undefined;
  const listener: Listener = {
    stream,
    stop() {
      stopped ??= (async () => {
        stopController.abort(new Error("listener stopping"));
        failCatchUp(new Error("listener stopped before catching up"));
        current?.stop();
        await running;
        logger.info({}, "listener stopped");
      })();
      return stopped;
    },
  };
  return { listener, caughtUp };
}
