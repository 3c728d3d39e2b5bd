// Figures of a bench: one line per round, then the medians of every target and their ratios to the
// baseline measured in the same run.
import type { BenchOptions } from "./bench-options.js";
import type { Round } from "./load-round.js";

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function roundLine(index: number, name: string, r: Round): string {
  return `round ${index + 1} ${name.padEnd(15)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms`;
}

export interface Summary {
  name: string;
  rps: number;
  p50: number;
  p99: number;
}

export function summarize(results: ReadonlyMap<string, readonly Round[]>): Summary[] {
  return [...results].map(([name, rounds]) => ({
    name,
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
  }));
}

/** The medians and, for each target after the first (the baseline), its ratios to the baseline. */
export function summaryLines(summary: readonly Summary[], options: BenchOptions): string[] {
  const [baseline, ...others] = summary;
  const mode = options.smoke ? " (smoke: proves the bench runs, measures nothing)" : "";
  const lines = [
    `medians over ${options.rounds} round(s) of ${options.durationS} s at ${options.connections} connections${mode}:`,
    ...summary.map(
      (s) => `  ${s.name.padEnd(15)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms`,
    ),
  ];
  if (baseline === undefined) return lines;
  for (const s of others) {
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(3) : "n/a");
    lines.push(
      `  ${s.name} / ${baseline.name}: throughput x${ratio(s.rps, baseline.rps)}, p99 x${ratio(s.p99, baseline.p99)}`,
    );
  }
  return lines;
}
