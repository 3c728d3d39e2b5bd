import type { DescMessage } from "@bufbuild/protobuf";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { TextMapPropagator, Tracer } from "@opentelemetry/api";
import { assertBackoff, DEFAULT_BACKOFF } from "./backoff.js";
import type { BusMetrics } from "./bus-metrics.js";
import { startConsumeLoop } from "./consume-loop.js";
import type { ConsumeOptions, Consumer } from "./consume-options.js";
import { ensureDurableConsumer } from "./consumer-provision.js";
import type { DeadLetterPublisher } from "./dead-letter.js";
import { selectEvents } from "./event-schemas.js";
import type { BusLogger } from "./logger.js";
import { watchMaxDeliveries } from "./max-deliveries-watch.js";
import { createMessageProcessor } from "./message-processor.js";
import { assertDurable, type Naming } from "./naming.js";
import type { StreamProvisioner } from "./streams.js";

export type ConsumerDeps = {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  naming: Naming;
  streams: StreamProvisioner;
  deadLetters: DeadLetterPublisher;
  tracer: Tracer;
  propagator: TextMapPropagator;
  logger: BusLogger;
  metrics: BusMetrics;
  ensureDeadLetterStream: () => Promise<unknown>;
  /** Checked after provisioning, so a consumer never starts on a bus that began closing meanwhile. */
  isClosed: () => boolean;
};

/** Validates the options, provisions stream, dead-letter stream and durable, then starts pulling. */
export async function startConsumer<S extends DescMessage>(
  deps: ConsumerDeps,
  opts: ConsumeOptions<S>,
): Promise<Consumer> {
  const { naming, jsm } = deps;
  const { domain, schemasBySubject, filterSubject } = selectEvents(
    naming,
    opts.schema,
    opts.domain,
    "consume",
  );
  assertDurable(opts.durable);
  const concurrency = positiveInt("concurrency", opts.concurrency ?? 8);
  const maxDeliver = positiveInt("maxDeliver", opts.maxDeliver ?? 5);
  const ackWaitMs = positiveInt("ackWaitMs", opts.ackWaitMs ?? 30_000);
  if (ackWaitMs < 100) throw new RangeError(`ackWaitMs must be at least 100, got ${ackWaitMs}`);
  const backoff = opts.backoffMs ?? DEFAULT_BACKOFF;
  assertBackoff(backoff);

  const stream = await deps.streams.ensureStreamExists(domain);
  await deps.ensureDeadLetterStream();
  const logger = (opts.logger ?? deps.logger).child({ stream, durable: opts.durable });
  const spec = { stream, durable: opts.durable, filterSubject, ackWaitMs, maxDeliver };
  await ensureDurableConsumer(jsm, spec, logger);
  if (deps.isClosed()) throw new Error("bus is closed");

  const process = createMessageProcessor({
    stream,
    durable: opts.durable,
    schemasBySubject,
    handler: opts.handler,
    maxDeliver,
    ackWaitMs,
    backoff,
    logger,
    tracer: deps.tracer,
    propagator: deps.propagator,
    deadLetters: deps.deadLetters,
    metrics: deps.metrics,
  });
  const watch = watchMaxDeliveries({
    nc: deps.nc,
    jsm,
    stream,
    durable: opts.durable,
    schemasBySubject,
    deadLetters: deps.deadLetters,
    logger,
  });
  const loop = startConsumeLoop({
    js: deps.js,
    stream,
    durable: opts.durable,
    concurrency,
    maxDeliver,
    process,
    provision: async () => {
      await ensureDurableConsumer(jsm, spec, logger);
    },
    logger,
    metrics: deps.metrics,
  });
  const stopLag = deps.metrics.watchLag({ stream, durable: opts.durable });
  logger.info({ filter: filterSubject, concurrency, max_deliver: maxDeliver }, "consumer started");
  return {
    stream,
    durable: opts.durable,
    async stop() {
      await loop.stop();
      await watch.stop();
      stopLag();
    },
  };
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}
