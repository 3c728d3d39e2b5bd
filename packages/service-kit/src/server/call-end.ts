import type { Interceptor, StreamRequest, UnaryRequest } from "@connectrpc/connect";
import { tapStream } from "./tap-stream.js";

/** Told once how a call ended: `undefined` on success, else what it threw. */
export type CallEnd = (error: unknown) => void;

/**
 * An interceptor that only watches: `start` runs when a call arrives and returns what to tell when
 * it ends (a unary call when it returns or throws, a stream when its last message went out).
 */
export function createCallEndInterceptor(start: (req: UnaryRequest | StreamRequest) => CallEnd): Interceptor {
  return (next) => async (req) => {
    const done = start(req);
    try {
      const res = await next(req);
      if (!res.stream) {
        done(undefined);
        return res;
      }
      return { ...res, message: tapStream(res.message, { onEnd: done }) };
    } catch (e) {
      done(e);
      throw e;
    }
  };
}
