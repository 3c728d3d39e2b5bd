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
function specsOf(target: string): string {
  if (target.endsWith(".ts")) return target;
  if (target === "test" || target === "test/") return "test/**/*.spec.ts";
  return join(target, "test/**/*.spec.ts");
}

export async function runMocha(targets: string[], extraArgs: string[] = []): Promise<number> {
  const stack = await stackUp(root, [TEST_DATABASE]);
  try {
    const specs = targets.length > 0 ? targets.map(specsOf) : SPEC_GLOBS;
    const res = spawnSync(
      process.execPath,
      [
        join(root, "node_modules", "mocha", "bin", "mocha.js"),
        "--config",
        join(root, ".mocharc.json"),
        ...extraArgs,
        ...specs,
      ],
      { stdio: "inherit", cwd: root, env: { ...process.env, ...testEnvVars(stack.config) } },
    );
    return res.status ?? 1;
  } finally {
    await stack.stop();
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const targets = args.filter((a) => !a.startsWith("-") && existsSync(join(root, a)));
  const extra = args.filter((a) => !targets.includes(a));
  process.exit(await runMocha(targets, extra));
}
