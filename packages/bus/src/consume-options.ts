import type { EventMeta } from "@atendo/proto/common/v1";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Backoff } from "./backoff.js";
import type { BusLogger } from "./logger.js";

/** What every handler (consumer or listener) knows about the stored event it is given. */
export type StoredEventContext = {
  meta: EventMeta;
  /** The subject the event was published on (with the bus namespace, if any). */
  subject: string;
  stream: string;
  streamSequence: number;
  /** First value of each message header. */
  headers: Readonly<Record<string, string>>;
  /** Child of the consumer's or listener's logger with tenant_id, correlation_id and event_id. */
  logger: BusLogger;
};

/** What a consumer's handler knows about the delivery it is processing. */
export type EventContext = StoredEventContext & {
  /** 1 on the first delivery. */
  deliveryCount: number;
  /**
   * Tells the server the handler is still busy, restarting its ack wait. The bus does not send it on
   * its own: a handler that can run longer than ackWaitMs calls it, so a hung handler is still caught.
   */
  working(): void;
  /** Aborted when the consumer stops, or when ackWaitMs passes without working() (the event is redelivered). */
  signal: AbortSignal;
};

export type EventHandler<S extends DescMessage> = (
  event: MessageShape<S>,
  ctx: EventContext,
) => Promise<void> | void;

export type ConsumeOptions<S extends DescMessage> = {
  /** Durable consumer name, stable across restarts and replicas, e.g. "conversation-message-received". */
  durable: string;
  /** The event type(s) this consumer handles; all from one domain. */
  schema: S | readonly S[];
  handler: EventHandler<S>;
  /** Checked against the schemas' domain when given. */
  domain?: string;
  /** Handlers running at once in this process. Default 8. */
  concurrency?: number;
  /** Deliveries before the event is dead-lettered. Default 5. */
  maxDeliver?: number;
  /** Time the server waits for an ack (or working()) before redelivering. Default 30 s. */
  ackWaitMs?: number;
  /** Delay of a retry after a failure: initial * 2^(delivery-1), capped at max. Default 1 s .. 60 s. */
  backoffMs?: Backoff;
  logger?: BusLogger;
};

export type Consumer = {
  readonly stream: string;
  readonly durable: string;
  /** Stops fetching, aborts handler signals, waits for in-flight handlers and their acks. */
  stop(): Promise<void>;
};
