// One round of load against one target with autocannon: how many requests per second it answered,
// its latency, and every request that did not get a 2xx (by status, or as a connection error).
import autocannon from "autocannon";
import type { BenchOptions } from "./bench-options.js";

export interface Round {
  rps: number;
  p50: number;
  p99: number;
  /** Requests answered with 2xx. */
  ok: number;
  /** Requests that failed: `{ "401": 12, errors: 3 }`. */
  failed: Record<string, number>;
}

export interface LoadTarget {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** A fresh body and headers per request (e.g. a distinct signed delivery). */
  request?: () => { body: string; headers?: Record<string, string> };
}

export async function loadRound(target: LoadTarget, options: BenchOptions): Promise<Round> {
  const { request } = target;
  const result = await autocannon({
    url: target.url,
    method: target.method ?? "POST",
    connections: options.connections,
    duration: options.durationS,
    headers: target.headers ?? {},
    ...(request === undefined
      ? {}
      : {
          requests: [
            {
              setupRequest: (req) => {
                const next = request();
                return { ...req, body: next.body, headers: { ...req.headers, ...next.headers } };
              },
            },
          ],
        }),
  });
  const failed: Record<string, number> = {};
  let ok = 0;
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) {
    const count = stat.count ?? 0;
    if (status.startsWith("2")) ok += count;
    else if (count > 0) failed[status] = count;
  }
  if (result.errors > 0) failed.errors = result.errors;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok, failed };
}

/** Throws when a round measured failures instead of work. */
export function assertHealthy(name: string, round: Round): void {
  const failures = Object.entries(round.failed);
  if (round.ok === 0 || failures.length > 0) {
    const detail = failures.map(([what, n]) => `${what}: ${n}`).join(", ") || "no request answered";
    throw new Error(`${name}: ${round.ok} requests answered 2xx, failures ${detail}`);
  }
}
