// How long and how hard a bench runs. `--smoke` (what `npm test` runs for every bench) is one round
// of about a second at a few connections: enough to prove the bench still works end to end, not to
// measure anything. Otherwise ROUNDS, DURATION_S and CONNECTIONS override the bench's defaults.

export interface BenchOptions {
  smoke: boolean;
  rounds: number;
  durationS: number;
  connections: number;
}

export type BenchDefaults = Omit<BenchOptions, "smoke">;

const SMOKE: BenchDefaults = { rounds: 1, durationS: 1, connections: 4 };

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export function benchOptions(
  defaults: BenchDefaults,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): BenchOptions {
  const unknown = argv.filter((a) => a !== "--smoke");
  if (unknown.length > 0) throw new Error(`unknown bench arguments: ${unknown.join(" ")} (only --smoke)`);
  if (argv.includes("--smoke")) return { smoke: true, ...SMOKE };
  return {
    smoke: false,
    rounds: positive("ROUNDS", env.ROUNDS, defaults.rounds),
    durationS: positive("DURATION_S", env.DURATION_S, defaults.durationS),
    connections: positive("CONNECTIONS", env.CONNECTIONS, defaults.connections),
  };
}
