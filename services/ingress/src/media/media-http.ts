import {
  type GuardedResponse,
  guardedGet,
  type OutboundGuard,
  OutboundUrlRefused,
  ResponseTooLarge,
} from "@atendo/service-kit";
import { MediaFetchFailure } from "./media-failure.js";

export interface MediaHttpOptions {
  guard: OutboundGuard;
  /** Time limit of one request. */
  timeoutMs: number;
  /** Meta's CDN refuses requests without one. */
  userAgent: string;
}

/** One GET of a channel's media host, its failures turned into MediaFetchFailure (too large aside). */
export type MediaGet = (
  url: string | URL,
  request: { bearer?: string; maxBytes: number; signal: AbortSignal },
) => Promise<GuardedResponse>;

export function createMediaGet(options: MediaHttpOptions): MediaGet {
  return async (url, request) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      return await guardedGet(url, {
        guard: options.guard,
        maxBytes: request.maxBytes,
        signal: AbortSignal.any([request.signal, timeout]),
        headers: {
          "user-agent": options.userAgent,
          ...(request.bearer === undefined ? {} : { authorization: `Bearer ${request.bearer}` }),
        },
      });
    } catch (err) {
      if (err instanceof ResponseTooLarge) throw err;
      if (err instanceof OutboundUrlRefused) {
        throw new MediaFetchFailure(`refused: ${err.message}`, false, { cause: err });
      }
      if (timeout.aborted) {
        throw new MediaFetchFailure(`no answer within ${options.timeoutMs} ms`, true, { cause: err });
      }
      if (request.signal.aborted) throw err;
      throw new MediaFetchFailure(`network error: ${(err as Error).message}`, true, { cause: err });
    }
  };
}

/** A non-2xx answer as a failure: 5xx and 429 are worth retrying, other answers are final. */
export function httpFailure(what: string, res: GuardedResponse): MediaFetchFailure {
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
  const detail = graphMessage(res.body) ?? `HTTP ${res.status}`;
  return new MediaFetchFailure(`${what}: ${detail}`.slice(0, 300), retryable);
}

function graphMessage(body: Buffer): string | undefined {
  try {
    const json = JSON.parse(body.toString("utf8")) as { error?: { message?: unknown; code?: unknown } };
    const message = json.error?.message;
    return typeof message === "string" ? `${message} (code ${String(json.error?.code ?? "?")})` : undefined;
  } catch {
    return undefined;
  }
}
