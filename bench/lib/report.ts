// Figures of a bench: one line per round, then for each scenario the medians of every target, their
// ratios to the baseline measured in the same run and, when the bench has one, its budget as met or
// not met.
import type { BenchOptions } from "./bench-options.js";
import type { Round } from "./load-round.js";

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function cpuText(cpuMsPerRequest: number | undefined): string {
  return cpuMsPerRequest === undefined ? "" : `  cpu ${cpuMsPerRequest.toFixed(3)} ms/req`;
}

export function roundLine(index: number, name: string, r: Round): string {
  return `round ${index + 1} ${name.padEnd(24)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms${cpuText(r.cpuMsPerRequest)}`;
}

export interface Summary {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** Median CPU milliseconds of the target's process per request, when measured. */
  cpuMsPerRequest: number | undefined;
}

export function summarize(results: ReadonlyMap<string, readonly Round[]>): Summary[] {
  return [...results].map(([name, rounds]) => {
    const cpu = rounds.flatMap((r) => (r.cpuMsPerRequest === undefined ? [] : [r.cpuMsPerRequest]));
    return {
      name,
      rps: median(rounds.map((r) => r.rps)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      cpuMsPerRequest: cpu.length === 0 ? undefined : median(cpu),
    };
  });
}

/** What a target must reach against the baseline of its scenario. */
export interface Budget {
  /** Its throughput over the baseline's, at least. */
  minRatio: number;
  /** Its median p99, below this. */
  maxP99Ms: number;
}

/** The first line of a summary: how the medians were taken. */
export function summaryHeader(options: BenchOptions): string {
  const mode = options.smoke ? " (smoke: proves the bench runs, measures nothing)" : "";
  return `medians over ${options.rounds} round(s) of ${options.durationS} s at ${options.connections} connections${mode}:`;
}

/**
 * The medians of one scenario and, for each target after the first (the baseline), its ratios to
 * the baseline and the budget's verdict.
 */
export function summaryLines(title: string, summary: readonly Summary[], budget?: Budget): string[] {
  const [baseline, ...others] = summary;
  const lines = [
    `  ${title}`,
    ...summary.map(
      (s) =>
        `    ${s.name.padEnd(15)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms${cpuText(s.cpuMsPerRequest)}`,
    ),
  ];
  if (baseline === undefined) return lines;
  for (const s of others) {
    const ratio = baseline.rps > 0 ? s.rps / baseline.rps : 0;
    const p99Ratio = baseline.p99 > 0 ? (s.p99 / baseline.p99).toFixed(3) : "n/a";
    lines.push(`    ${s.name} / ${baseline.name}: throughput x${ratio.toFixed(3)}, p99 x${p99Ratio}`);
    if (budget !== undefined) {
      const met = ratio >= budget.minRatio && s.p99 < budget.maxP99Ms;
      lines.push(
        `    budget (throughput x${budget.minRatio.toFixed(2)} or more, p99 under ${budget.maxP99Ms} ms): ${met ? "met" : "not met"}`,
      );
    }
  }
  return lines;
}
