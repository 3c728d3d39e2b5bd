import { createMetricsRegistry, type MetricsRegistry, redactUrlCredentials } from "@atendo/telemetry";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { propagation, type TextMapPropagator, type Tracer, trace } from "@opentelemetry/api";
import { createBusMetrics } from "./bus-metrics.js";
import { startConsumer } from "./consume.js";
import type { ConsumeOptions, Consumer } from "./consume-options.js";
import { createDeadLetterPublisher } from "./dead-letter.js";
import { createInFlightLimit } from "./in-flight-limit.js";
import { startListener } from "./listen.js";
import type { Listener, ListenOptions } from "./listen-options.js";
import type { BusLogger } from "./logger.js";
import { createNaming, DEADLETTER_DOMAIN } from "./naming.js";
import {
  createPublisher,
  type EncodedEvent,
  type PublishAck,
  type PublishEventOptions,
  type PublishOptions,
} from "./publisher.js";
import { createStreamPublisher } from "./stream-publish.js";
import { createStreamProvisioner, type EnsureStreamOptions, type EnsureStreamResult } from "./streams.js";

export type ConnectBusOptions = {
  /** NATS server URL(s), e.g. "nats://127.0.0.1:4222". */
  servers: string | string[];
  /** Connection name shown by the server, e.g. the service name. */
  name: string;
  logger: BusLogger;
  /** Isolates tests: subjects get "<namespace>." in front and stream names "_<NAMESPACE>" behind. */
  namespace?: string;
  /** Timeout of JetStream API calls and publish acks. Default 5 s. */
  apiTimeoutMs?: number;
  /**
   * Publishes sent and waiting for their stream acknowledgement at once (every `publish` and
   * `publishEncoded` of this bus); past it a publish waits for a slot before it is sent. Default 1024.
   */
  maxPublishesInFlight?: number;
  /**
   * How long the dead-letter stream keeps records (DEAD_LETTER_RETENTION_DAYS). Default 30. Every
   * service should pass the same value: the stream is shared and takes the last one set.
   */
  deadLetterRetentionDays?: number;
  /** Defaults to the global OpenTelemetry tracer provider. */
  tracer?: Tracer;
  /** Defaults to the global OpenTelemetry propagator (W3C trace context once the SDK is started). */
  propagator?: TextMapPropagator;
  /**
   * Where publish, consume, redelivery, dead-letter and lag metrics are recorded: the process's
   * registry, so one `/metrics` shows them. Default: a registry of this bus's own (`bus.metrics`).
   */
  metrics?: MetricsRegistry;
};

export type Bus = {
  readonly namespace: string | undefined;
  /** The registry the bus records into (the one given to `connectBus`, or its own): serve it on `/metrics`. */
  readonly metrics: MetricsRegistry;
  /** The subject of an event type on this bus (namespace included). */
  subjectFor(schema: DescMessage): string;
  /** The stream of a domain on this bus (namespace included). */
  streamFor(domain: string): string;
  /** Creates the domain's stream, or updates it when its configuration differs. */
  ensureStream(options: EnsureStreamOptions): Promise<EnsureStreamResult>;
  publish<S extends DescMessage>(
    schema: S,
    event: MessageShape<S>,
    options?: PublishEventOptions,
  ): Promise<PublishAck>;
  /** Encodes an event for publishing later (e.g. stored in a consumer's inbox row). */
  encode<S extends DescMessage>(
    schema: S,
    event: MessageShape<S>,
    options?: { msgId?: string },
  ): EncodedEvent;
  /** Publishes an encoded event (same msgID, so a republish inside the duplicate window is dropped). */
  publishEncoded(event: EncodedEvent, options?: Omit<PublishOptions, "msgId">): Promise<PublishAck>;
  /** Shared work: each event goes to one replica of the durable consumer, acked, retried, dead-lettered. */
  consume<S extends DescMessage>(options: ConsumeOptions<S>): Promise<Consumer>;
  /**
   * Every process hears every event (cache invalidation): an ordered consumer of its own, no acks,
   * no retries. Resolves once listening and, with `startAt`, once the past events were handled.
   */
  listen<S extends DescMessage>(options: ListenOptions<S>): Promise<Listener>;
  /** Resolves when the server answers and JetStream serves API calls; rejects otherwise. */
  ping(options?: { timeoutMs?: number }): Promise<void>;
  /** Deletes every stream of this bus's namespace (tests); refuses on a bus without namespace. */
  deleteNamespaceStreams(): Promise<string[]>;
  /** Stops every consumer and listener (waiting for their handlers), then drains the connection. */
  close(): Promise<void>;
};

const DAY_MS = 24 * 3_600_000;
const DEFAULT_DEADLETTER_RETENTION_DAYS = 30;
const DEFAULT_MAX_PUBLISHES_IN_FLIGHT = 1024;

export async function connectBus(options: ConnectBusOptions): Promise<Bus> {
  const naming = createNaming(options.namespace);
  const logger = options.logger.child({ component: "bus" });
  const apiTimeoutMs = options.apiTimeoutMs ?? 5_000;
  const deadLetterRetentionDays = options.deadLetterRetentionDays ?? DEFAULT_DEADLETTER_RETENTION_DAYS;
  if (!Number.isInteger(deadLetterRetentionDays) || deadLetterRetentionDays < 1) {
    throw new RangeError(`deadLetterRetentionDays must be an integer >= 1, got ${deadLetterRetentionDays}`);
  }
  const tracer = options.tracer ?? trace.getTracer("@atendo/bus");
  const propagator = options.propagator ?? propagation;

  const nc = await connect({
    servers: options.servers,
    name: options.name,
    // A service keeps trying through a NATS restart instead of dying with it.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    // Without it every request (each JetStream publish is one) builds two Error objects with
    // stacks up front, in case it fails: the largest cost of a publish. Our errors name the subject.
    noAsyncTraces: true,
  }).catch((err: unknown) => {
    throw new Error(`cannot connect to NATS at ${redactServers(options.servers)}: ${errorMessage(err)}`, {
      cause: err,
    });
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") logger.warn({ server: status.server }, "nats disconnected");
      else if (status.type === "reconnect") logger.info({ server: status.server }, "nats reconnected");
      else if (status.type === "error") logger.error({ err: status.error }, "nats connection error");
    }
  })();
  const js = jetstream(nc, { timeout: apiTimeoutMs });
  const jsm = await jetstreamManager(nc, { timeout: apiTimeoutMs }).catch(async (err: unknown) => {
    await nc.close();
    throw new Error(`NATS at ${redactServers(options.servers)} has no JetStream: ${errorMessage(err)}`, {
      cause: err,
    });
  });
  const streams = createStreamProvisioner({ jsm, naming, logger });
  const metricsRegistry = options.metrics ?? createMetricsRegistry({ service: options.name });
  const metrics = createBusMetrics({
    meterProvider: metricsRegistry.meterProvider,
    readLag: async ({ stream, durable }) => {
      const info = await jsm.consumers.info(stream, durable);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    },
    logger,
  });
  const streamPublisher = createStreamPublisher(nc);
  const publisher = createPublisher({
    streams: streamPublisher,
    timeoutMs: apiTimeoutMs,
    naming,
    tracer,
    propagator,
    metrics,
    inFlight: createInFlightLimit(options.maxPublishesInFlight ?? DEFAULT_MAX_PUBLISHES_IN_FLIGHT),
  });
  const deadLetters = createDeadLetterPublisher({
    streams: streamPublisher,
    timeoutMs: apiTimeoutMs,
    naming,
    metrics,
  });
  const consumers = new Set<Consumer>();
  const listeners = new Set<Listener>();
  let deadLetterStream: Promise<unknown> | undefined;
  let closing: Promise<void> | undefined;

  function ensureDeadLetterStream(): Promise<unknown> {
    deadLetterStream ??= streams
      .ensureStream({ domain: DEADLETTER_DOMAIN, maxAgeMs: deadLetterRetentionDays * DAY_MS })
      .catch((err: unknown) => {
        deadLetterStream = undefined;
        throw err;
      });
    return deadLetterStream;
  }

  async function consume<S extends DescMessage>(opts: ConsumeOptions<S>): Promise<Consumer> {
    if (closing !== undefined) throw new Error("bus is closed");
    const started = await startConsumer(
      {
        nc,
        js,
        jsm,
        naming,
        streams,
        deadLetters,
        tracer,
        propagator,
        logger,
        metrics,
        ensureDeadLetterStream,
        isClosed: () => closing !== undefined,
      },
      opts,
    );
    const consumer: Consumer = {
      stream: started.stream,
      durable: started.durable,
      async stop() {
        await started.stop();
        consumers.delete(consumer);
      },
    };
    consumers.add(consumer);
    return consumer;
  }

  async function listen<S extends DescMessage>(opts: ListenOptions<S>): Promise<Listener> {
    if (closing !== undefined) throw new Error("bus is closed");
    const started = await startListener({ js, jsm, naming, streams, tracer, propagator, logger }, opts);
    const listener: Listener = {
      stream: started.listener.stream,
      async stop() {
        await started.listener.stop();
        listeners.delete(listener);
      },
    };
    // Registered before the replay ends, so close() during it stops the listener too.
    listeners.add(listener);
    if (closing !== undefined) await listener.stop();
    try {
      await started.caughtUp;
    } catch (err) {
      await listener.stop();
      throw err;
    }
    return listener;
  }

  return {
    namespace: options.namespace,
    metrics: metricsRegistry,
    subjectFor: (schema) => naming.subject(schema),
    streamFor: (domain) => naming.stream(domain),
    ensureStream: (opts) => streams.ensureStream(opts),
    publish: (schema, event, opts) => publisher.publish(schema, event, opts),
    encode: (schema, event, opts) => publisher.encode(schema, event, opts),
    publishEncoded: (encoded, opts) => publisher.publishEncoded(encoded, opts),
    consume,
    listen,
    async ping(opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 2_000;
      if (nc.isClosed()) throw new Error("nats connection is closed");
      await withTimeout(
        (async () => {
          await nc.flush();
          await jsm.getAccountInfo();
        })(),
        timeoutMs,
        `nats did not answer within ${timeoutMs} ms`,
      );
    },
    async deleteNamespaceStreams() {
      if (options.namespace === undefined) throw new Error("deleteNamespaceStreams needs a namespaced bus");
      const deleted: string[] = [];
      for await (const name of jsm.streams.names()) {
        if (!naming.ownsStream(name)) continue;
        await jsm.streams.delete(name);
        deleted.push(name);
      }
      return deleted;
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...consumers, ...listeners].map((c) => c.stop()));
        metrics.close();
        if (!nc.isClosed()) await nc.drain();
        streamPublisher.close();
      })();
      return closing;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Server URLs may carry credentials (nats://user:pass@host): never put those in an error.
function redactServers(servers: string | string[]): string {
  const list = Array.isArray(servers) ? servers : [servers];
  return list.map(redactUrlCredentials).join(", ");
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
