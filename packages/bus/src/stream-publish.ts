import { JetStreamApiError } from "@nats-io/jetstream";
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, TimeoutError } from "@nats-io/nats-core";

/** What the stream answered: where the message is, and whether it was a duplicate of its msgID. */
export interface StreamAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/**
 * A JetStream publish (`Nats-Msg-Id` for deduplication, the stream's acknowledgement awaited)
 * without the client's per-request machinery: every acknowledgement comes to one subscription
 * (`<inbox>.<token>`), and one timer expires those overdue. The client's `js.publish` is a request
 * with its own timer, a subscription mux entry, and an Error built (stack and all) when each
 * request ends, even on success: under load that was most of what a publish cost. The wire is the
 * same (JetStream answers any reply subject); errors are the client's types, so callers tell them
 * apart as before.
 */
export interface StreamPublisher {
  publish(
    subject: string,
    data: Uint8Array,
    options: { msgID: string; headers: MsgHdrs; timeoutMs: number },
  ): Promise<StreamAck>;
  /** Fails what still waits; the subscription ends with the connection. */
  close(): void;
}

interface Waiting {
  resolve: (ack: StreamAck) => void;
  reject: (err: Error) => void;
  deadline: number;
}

// Overdue acknowledgements are found this often (a timeout may come up to this much late).
const EXPIRY_SWEEP_MS = 100;
const MSG_ID_HEADER = "Nats-Msg-Id";
const decoder = new TextDecoder();

export function createStreamPublisher(nc: NatsConnection, now: () => number = Date.now): StreamPublisher {
  const prefix = `${createInbox()}.`;
  const waiting = new Map<string, Waiting>();
  let next = 0;

  nc.subscribe(`${prefix}*`, {
    callback: (err, msg) => {
      if (err !== null) {
        failAll(err);
        return;
      }
      const token = msg.subject.slice(prefix.length);
      const w = waiting.get(token);
      if (w === undefined) return; // expired already
      waiting.delete(token);
      settle(w, msg);
    },
  });

  const sweep = setInterval(() => {
    if (waiting.size === 0) return;
    const t = now();
    for (const [token, w] of waiting) {
      if (w.deadline > t) continue;
      waiting.delete(token);
      w.reject(new TimeoutError());
    }
  }, EXPIRY_SWEEP_MS);
  sweep.unref();

  function failAll(err: Error): void {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  }

  return {
    publish(subject, data, { msgID, headers, timeoutMs }) {
      const token = (next++).toString(36);
      headers.set(MSG_ID_HEADER, msgID);
      return new Promise<StreamAck>((resolve, reject) => {
        waiting.set(token, { resolve, reject, deadline: now() + timeoutMs });
        try {
          nc.publish(subject, data, { reply: `${prefix}${token}`, headers });
        } catch (err) {
          waiting.delete(token);
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    },
    close() {
      clearInterval(sweep);
      failAll(new Error("the bus is closing"));
    },
  };
}

/** The stream's answer: an acknowledgement, a JetStream error, or nobody there (no stream). */
function settle(w: Waiting, msg: Msg): void {
  // No stream listens on the subject: the server answers 503 with no body.
  if (msg.data.length === 0 && msg.headers?.code === 503) {
    const err = new Error("no stream answered the publish");
    err.name = "JetStreamNotEnabled";
    w.reject(err);
    return;
  }
  let answer: { stream?: string; seq?: number; duplicate?: boolean; error?: unknown };
  try {
    answer = JSON.parse(decoder.decode(msg.data)) as typeof answer;
  } catch {
    w.reject(new Error("the stream's acknowledgement is not JSON"));
    return;
  }
  if (answer.error !== undefined) {
    w.reject(new JetStreamApiError(answer.error as ConstructorParameters<typeof JetStreamApiError>[0]));
    return;
  }
  if (typeof answer.stream !== "string" || answer.stream === "" || typeof answer.seq !== "number") {
    w.reject(new Error("invalid ack response"));
    return;
  }
  w.resolve({ stream: answer.stream, seq: answer.seq, duplicate: answer.duplicate === true });
}
