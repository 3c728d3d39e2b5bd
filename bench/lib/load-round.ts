// One round of load against one target with autocannon: how many requests per second it answered,
// its latency, the CPU time the target's process spent per request, and every request that did not
// get a 2xx (by status, or as a connection error).
import autocannon from "autocannon";
import type { BenchOptions } from "./bench-options.js";
import { processCpuMs } from "./process-cpu.js";

export interface Round {
  rps: number;
  p50: number;
  p99: number;
  /** Requests answered with 2xx. */
  ok: number;
  /** CPU milliseconds of the target's process per request answered; undefined without `pid`. */
  cpuMsPerRequest: number | undefined;
  /** Requests that failed: `{ "401": 12, errors: 3 }`. */
  failed: Record<string, number>;
}

export interface LoadTarget {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** A fresh body and headers per request (e.g. a distinct signed delivery). */
  request?: () => { body: string; headers?: Record<string, string> };
  /** The process serving `url`, whose CPU time is read before and after the round. */
  pid?: number;
}

export async function loadRound(target: LoadTarget, options: BenchOptions): Promise<Round> {
  const { request, pid } = target;
  const cpuBefore = pid === undefined ? 0 : processCpuMs(pid);
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
  const answered = ok + Object.values(failed).reduce((a, b) => a + b, 0);
  const cpuMsPerRequest =
    pid === undefined || answered === 0 ? undefined : (processCpuMs(pid) - cpuBefore) / answered;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    cpuMsPerRequest,
    failed,
  };
}

/** Throws when a round measured failures instead of work. */
export function assertHealthy(name: string, round: Round): void {
  const failures = Object.entries(round.failed);
  if (round.ok === 0 || failures.length > 0) {
    const detail = failures.map(([what, n]) => `${what}: ${n}`).join(", ") || "no request answered";
    throw new Error(`${name}: ${round.ok} requests answered 2xx, failures ${detail}`);
  }
}
