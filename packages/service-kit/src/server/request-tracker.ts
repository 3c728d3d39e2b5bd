import type { NodeResponse } from "./node-http.js";

/**
 * Counts requests in flight so shutdown can let them finish. Streaming RPCs are counted apart: they
 * may never end by themselves, so shutdown waits only for the others and then ends the streams.
 */
export interface RequestTracker {
  track(res: NodeResponse, streaming: boolean): void;
  /** Requests in flight that are not streaming RPCs. */
  readonly finishing: number;
  readonly total: number;
  /** The responses of the requests in flight. */
  responses(): Iterable<NodeResponse>;
  /** Resolves true once `finishing` is 0 (false when `timeoutMs` passes first). */
  whenFinished(timeoutMs: number): Promise<boolean>;
  /** Resolves true once nothing is in flight (false when `timeoutMs` passes first). */
  whenIdle(timeoutMs: number): Promise<boolean>;
}

export function createRequestTracker(): RequestTracker {
  let finishing = 0;
  let streaming = 0;
  const open = new Set<NodeResponse>();
  const waiters = new Set<() => void>();

  const changed = (): void => {
    for (const w of [...waiters]) w();
  };

  const waitUntil = (done: () => boolean, timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (done()) {
        resolve(true);
        return;
      }
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(result);
      };
      const check = (): void => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      waiters.add(check);
    });

  return {
    track(res, isStreaming) {
      if (isStreaming) streaming++;
      else finishing++;
      open.add(res);
      res.once("close", () => {
        open.delete(res);
        if (isStreaming) streaming--;
        else finishing--;
        changed();
      });
    },
    get finishing() {
      return finishing;
    },
    get total() {
      return finishing + streaming;
    },
    responses: () => open,
    whenFinished: (timeoutMs) => waitUntil(() => finishing === 0, timeoutMs),
    whenIdle: (timeoutMs) => waitUntil(() => finishing + streaming === 0, timeoutMs),
  };
}
