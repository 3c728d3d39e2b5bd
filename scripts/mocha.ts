// Runs mocha against the local stack: `mocha.ts` for every workspace, `mocha.ts services/ingress`
// for one. Starts the stack when it is not running and stops what it started.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stackUp } from "./lib/stack.js";
import { TEST_DATABASE, testEnvVars } from "./lib/test-env.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

export const SPEC_GLOBS = [
  "packages/*/test/**/*.spec.ts",
  "services/*/test/**/*.spec.ts",
  "test/**/*.spec.ts",
];

/** A spec file as is; a workspace folder's test/ specs; "." or "test" for the root's own tests. */
export function specsOf(target: string, suffix = ".spec.ts"): string {
  if (target.endsWith(".ts")) return target;
  if (target === "test" || target === "test/") return `test/**/*${suffix}`;
  return join(target, `test/**/*${suffix}`);
}

/** Mocha with the repository's .mocharc.json (which loads the exit guard) over `specs`. */
export function spawnMocha(specs: string[], env: NodeJS.ProcessEnv, extraArgs: string[] = []): number {
  const res = spawnSync(
    process.execPath,
    [
      join(root, "node_modules", "mocha", "bin", "mocha.js"),
      "--config",
      join(root, ".mocharc.json"),
      ...extraArgs,
      ...specs,
    ],
    { stdio: "inherit", cwd: root, env },
  );
  return res.status ?? 1;
}

export async function runMocha(targets: string[], extraArgs: string[] = []): Promise<number> {
  const stack = await stackUp(root, [TEST_DATABASE]);
  try {
    const specs = targets.length > 0 ? targets.map((t) => specsOf(t)) : SPEC_GLOBS;
    return spawnMocha(specs, { ...process.env, ...testEnvVars(stack.config) }, extraArgs);
  } finally {
    await stack.stop();
  }
}

/** Splits command-line arguments into targets (existing paths) and mocha options. */
export function splitArgs(args: string[]): { targets: string[]; extra: string[] } {
  const targets = args.filter((a) => !a.startsWith("-") && existsSync(join(root, a)));
  return { targets, extra: args.filter((a) => !targets.includes(a)) };
}

if (import.meta.main) {
  const { targets, extra } = splitArgs(process.argv.slice(2));
  process.exit(await runMocha(targets, extra));
}
