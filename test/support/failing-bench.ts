// A bench that starts a process and then fails (FAIL=throw) or runs until interrupted: what
// test/bench-harness.spec.ts uses to see that the bench frame stops what a bench started.
import { spawn } from "node:child_process";
import { runBench } from "../../bench/lib/run-bench.js";
import { stopChild } from "../../bench/lib/stop-child.js";

await runBench({ rounds: 1, durationS: 1, connections: 1 }, async ({ onStop }) => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => undefined, 1000)"], { stdio: "ignore" });
  onStop("child", () => stopChild(child));
  process.stdout.write(`started ${child.pid}\n`);
  if (process.env.FAIL === "throw") throw new Error("failing on purpose");
  await new Promise(() => undefined);
});
