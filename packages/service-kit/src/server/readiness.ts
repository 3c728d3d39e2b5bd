import { redactUrlCredentials } from "../config/redact.js";

/** Something the service needs before it can take traffic (a database, Redis, NATS...). */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; should give up when `signal` aborts. */
  check: (signal: AbortSignal) => Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  durationMs: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
  failing: string[];
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The race guards against checks that ignore their signal.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`timed out after ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    await Promise.race([check.check(controller.signal), timeout]);
    return { ok: true, durationMs: elapsed() };
  } catch (e) {
    // Probe output is seen by operators and proxies: keep URL credentials out of it.
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, durationMs: elapsed(), error: redactUrlCredentials(message) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function runReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  const report: ReadinessReport = { ready: true, checks: {}, failing: [] };
  checks.forEach((c, i) => {
    const result = results[i];
    if (result === undefined) return;
    report.checks[c.name] = result;
    if (!result.ok) {
      report.ready = false;
      report.failing.push(c.name);
    }
  });
  return report;
}
