import type { EventMeta } from "@atendo/proto/common/v1";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { BusLogger } from "./logger.js";

/** What a listener's handler knows about the event it is given. */
export type ListenContext = {
  meta: EventMeta;
  /** The subject the event was published on (with the bus namespace, if any). */
  subject: string;
  stream: string;
  streamSequence: number;
  /** When the server stored the event. */
  storedAt: Date;
  /** First value of each message header. */
  headers: Readonly<Record<string, string>>;
  /** Aborted when the listener stops. */
  signal: AbortSignal;
  /** Child of the listener's logger with tenant_id, correlation_id and event_id. */
  logger: BusLogger;
};

export type ListenHandler<S extends DescMessage> = (
  event: MessageShape<S>,
  ctx: ListenContext,
) => Promise<void> | void;

export type ListenOptions<S extends DescMessage> = {
  /** The event type(s) to hear; all from one domain. */
  schema: S | readonly S[];
  /**
   * Called once per event, one at a time in stream order. Keep it quick (it updates process memory):
   * the next event waits for it. A throw is logged with the event id and the next event follows.
   */
  handler: ListenHandler<S>;
  /** Checked against the schemas' domain when given. */
  domain?: string;
  /**
   * Default: only events published from now on. A time in the past first replays the events the
   * stream still holds since then; `listen` resolves once they were handled.
   */
  startAt?: Date;
  logger?: BusLogger;
};

export type Listener = {
  readonly stream: string;
  /** Stops hearing events; waits for the handler in progress. */
  stop(): Promise<void>;
};
