import {
  type StreamMessagesRequest,
  type StreamMessagesResponse,
  StreamMessagesResponseSchema,
  WidgetHeartbeatSchema,
} from "@atendo/proto/ingress/v1";
import type { VisitorPrincipal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { positionOfCursor } from "./widget-cursor.js";
import type { WidgetDeps } from "./widget-deps.js";
import type { WidgetSignal } from "./widget-hub.js";
import { widgetMessageOf } from "./widget-view.js";

/** Messages read from the history per query while catching up. */
const BATCH = 100;

const heartbeat = (): StreamMessagesResponse =>
  create(StreamMessagesResponseSchema, {
    event: { case: "heartbeat", value: create(WidgetHeartbeatSchema, { serverTime: timestampNow() }) },
  });

/**
 * StreamMessages: the thread's messages stored or changed after the cursor (or, without one, from
 * now on), read from Postgres in change order each time this process hears the thread changed (the
 * hub: a local write, or a bus listener for another replica's), plus typing as it comes, and a
 * heartbeat after `heartbeatMs` of silence (the first one at once: the stream is open). A status
 * change gives the message a new version, so it comes again with its new status, in the same order
 * on every replica and after any reconnect. The subscription starts before the first read, so
 * nothing committed in between is missed; the cursor only moves forward, so nothing is sent twice.
 */
export function createMessageStream(deps: WidgetDeps) {
  return async function* streamMessages(
    req: StreamMessagesRequest,
    visitor: VisitorPrincipal,
    signal: AbortSignal,
  ): AsyncGenerator<StreamMessagesResponse> {
    const thread = { channelId: visitor.channelId, visitorId: visitor.visitorId };
    const pending: WidgetSignal[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = deps.hub.subscribe(thread, (s) => {
      pending.push(s);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      const read = (anchor: Parameters<typeof deps.store.page>[3], limit: number) =>
        deps.db.withTenant(visitor.tenantId, (em) =>
          deps.store.page(em, thread.channelId, thread.visitorId, anchor, limit),
        );
      // The stream's cursor is a version: every change of the thread up to it has been sent.
      let cursor =
        req.afterCursor === ""
          ? await deps.db.withTenant(visitor.tenantId, (em) =>
              deps.store.lastVersion(em, thread.channelId, thread.visitorId),
            )
          : positionOfCursor(req.afterCursor, "after_cursor").version;
      yield heartbeat();
      let dirty = true;
      while (!signal.aborted) {
        while (dirty) {
          const batch = await read({ after: cursor }, BATCH);
          for (const m of batch) {
            cursor = m.version;
            yield create(StreamMessagesResponseSchema, {
              event: { case: "message", value: widgetMessageOf(m) },
            });
          }
          dirty = batch.length === BATCH;
        }
        const next = pending.shift();
        if (next === undefined) {
          if (signal.aborted) break;
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), deps.heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          // Silence: a heartbeat, and a look at the history in case a wake-up was lost on the way.
          if (timedOut) {
            yield heartbeat();
            dirty = true;
          }
          continue;
        }
        if (next.kind === "messages") dirty = true;
        else yield create(StreamMessagesResponseSchema, { event: { case: "typing", value: next.typing } });
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
    }
  };
}
