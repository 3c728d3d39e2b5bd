// npm test: lint, contract checks, then every test against the real Postgres, Redis and NATS
// (started the same way `npm run dev` starts them).
import { spawnSync } from "node:child_process";
import { ensureTestTools } from "./lib/test-env.js";
import { lint } from "./lint.js";
import { runMocha } from "./mocha.js";

function step(name: string, fn: () => number | Promise<number>): Promise<void> {
  console.log(`\n== ${name}`);
  return Promise.resolve(fn()).then((code) => {
    if (code !== 0) {
      console.error(`\n${name} failed`);
      process.exit(code);
    }
  });
}

await step("lint", lint);
await step(
  "contracts",
  () => spawnSync("node", ["--import", "tsx", "scripts/proto.ts", "check"], { stdio: "inherit" }).status ?? 1,
);
await step("test tools", () => ensureTestTools(process.env.ATENDO_ROOT ?? process.cwd()));
await step("tests", () => runMocha([], process.argv.slice(2)));
console.log("\nall checks passed");
