import type { Logger } from "pino";

/** A service token as the tenant service issues it. */
export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface ServiceTokenSourceOptions {
  /** Trades the service's credential for a token (TokenService.IssueServiceToken). */
  issue: (signal: AbortSignal) => Promise<IssuedToken>;
  /** Renew this long before expiry (at most half the token's life). Default 2 min. */
  renewBeforeMs?: number;
  /** First retry delay after a failed issue; doubles up to `maxBackoffMs`. Default 100 ms. */
  minBackoffMs?: number;
  /** Default 5 s. */
  maxBackoffMs?: number;
  /** Failed attempts are logged here (warn). */
  logger?: Logger;
  /** Wall clock in ms (expiry times are wall-clock times). */
  now?: () => number;
}

export interface ServiceTokenSource {
  /**
   * A valid service token. While the current one is fresh it is returned at once; near expiry it
   * is still returned while a renewal runs in the background; without a valid one the call waits
   * for the renewal (which retries with backoff) until `signal` aborts.
   */
  token(signal?: AbortSignal): Promise<string>;
  /** Forgets `token` if it is the current one (a server refused it): the next call gets a new one. */
  invalidate(token: string): void;
  /** Stops renewing; waiting calls fail. */
  close(): void;
}

interface Current {
  token: string;
  expiresAt: number;
  renewAt: number;
}

/**
 * The token a service sends on calls it makes on its own behalf. One issue request at a time,
 * however many calls need a token.
 */
export function createServiceTokenSource(options: ServiceTokenSourceOptions): ServiceTokenSource {
  const now = options.now ?? Date.now;
  const renewBeforeMs = options.renewBeforeMs ?? 120_000;
  const minBackoffMs = options.minBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const closed = new AbortController();
  let current: Current | undefined;
  let renewing: Promise<string> | undefined;

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (closed.signal.aborted) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      timer.unref(); // a renewal in backoff must not keep the process alive
      closed.signal.addEventListener("abort", done, { once: true });
      function done(): void {
        clearTimeout(timer);
        closed.signal.removeEventListener("abort", done);
        resolve();
      }
    });

  const renewUntilIssued = async (): Promise<string> => {
    for (let attempt = 0; ; attempt++) {
      if (closed.signal.aborted) throw new Error("service token source is closed");
      try {
        const issued = await options.issue(closed.signal);
        const issuedAt = now();
        const expiresAt = issued.expiresAt.getTime();
        const renewAt = Math.max(expiresAt - renewBeforeMs, issuedAt + (expiresAt - issuedAt) / 2);
        current = { token: issued.token, expiresAt, renewAt };
        return issued.token;
      } catch (err) {
        const delay = Math.min(minBackoffMs * 2 ** attempt, maxBackoffMs);
        options.logger?.warn(
          { err, attempt: attempt + 1, retryInMs: delay },
          "issuing a service token failed",
        );
        await pause(delay);
      }
    }
  };

  const renew = (): Promise<string> => {
    renewing ??= renewUntilIssued().finally(() => {
      renewing = undefined;
    });
    return renewing;
  };

  return {
    async token(signal) {
      const at = now();
      if (current !== undefined && at < current.expiresAt) {
        if (at >= current.renewAt) renew().catch(() => {}); // failures are logged and retried inside
        return current.token;
      }
      return untilAborted(renew(), signal);
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
    close() {
      closed.abort();
    },
  };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
