import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { StoredEventContext } from "./consume-options.js";
import type { BusLogger } from "./logger.js";

/** What a listener's handler knows about the event it is given. */
export type ListenContext = StoredEventContext & {
  /** When the server stored the event. */
  storedAt: Date;
  /** Aborted when the listener stops. */
  signal: AbortSignal;
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
  /**
   * Looks at each event's encoded bytes before anything else: false skips it unread (not decoded,
   * no span, no log). For listeners that want a few events of a busy type, e.g. one field read with
   * `@bufbuild/protobuf/wire`'s BinaryReader. Default: every event is handled.
   */
  prefilter?: (data: Uint8Array, subject: string) => boolean;
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
