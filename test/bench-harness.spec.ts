// The frame every bench runs in (bench/lib/run-bench.ts): a bench that fails, or is interrupted,
// still stops everything it started, and says so in its exit code.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "@atendo/testing";

const root = process.env.ATENDO_ROOT ?? process.cwd();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startFixture(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/failing-bench.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString("utf8");
  });
  return { child, output: () => output };
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

describe("the bench frame", function () {
  this.timeout(60_000);
  const started: number[] = [];
  after(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  });

  const startedPid = (output: () => string): Promise<number> =>
    waitFor(() => Number(/started (\d+)/.exec(output())?.[1] ?? 0), {
      timeoutMs: 30_000,
      message: () => `the bench to start its process:\n${output()}`,
    });

  it("stops what a failing bench started and exits 1", async () => {
    const { child, output } = startFixture({ FAIL: "throw" });
    const exit = exitOf(child);
    const pid = await startedPid(output);
    started.push(pid);
    assert.equal(await exit, 1, output());
    assert.match(output(), /bench failed: Error: failing on purpose/);
    assert.equal(alive(pid), false, "the bench's process was stopped");
  });

  it("stops what an interrupted bench started and exits 130", async () => {
    const { child, output } = startFixture({});
    const exit = exitOf(child);
    const pid = await startedPid(output);
    started.push(pid);
    assert.equal(alive(pid), true);
    child.kill("SIGINT");
    assert.equal(await exit, 130, output());
    assert.equal(alive(pid), false, "the bench's process was stopped");
  });
});
