// Mocha no longer forces the process to exit: a spec that leaves a handle open must fail the run,
// and say what it left and where (scripts/lib/test-exit-guard.ts, loaded by .mocharc.json).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";

const root = process.env.ATENDO_ROOT ?? process.cwd();

function runMocha(fixture: string, deadlineMs?: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [
      join(root, "node_modules", "mocha", "bin", "mocha.js"),
      "--config",
      join(root, ".mocharc.json"),
      join("test", "support", "exit-guard", fixture),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ATENDO_TEST_EXIT_DEADLINE_MS: deadlineMs === undefined ? "" : String(deadlineMs),
      },
    },
  );
  let output = "";
  child.stdout.on("data", (b: Buffer) => {
    output += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    output += b.toString();
  });
  return new Promise((resolve) => {
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("a run whose tests leak a handle", function () {
  this.timeout(60_000);

  it("fails, naming the server and the timer left open and the test that opened them", async () => {
    const { code, output } = await runMocha("leaks.fixture.ts", 300);
    assert.match(output, /1 passing/, "the test itself passes");
    assert.equal(code, 1, output);
    assert.match(output, /The run did not end 300 ms after the last test/);
    assert.match(
      output,
      /Server listening on port \d+ — created in "a leaky spec opens a server and a timer and closes neither \(test\/support\/exit-guard\/leaks\.fixture\.ts\)" at test\/support\/exit-guard\/leaks\.fixture\.ts:6/,
    );
    assert.match(
      output,
      /timer — created in "a leaky spec [^"]+" at test\/support\/exit-guard\/leaks\.fixture\.ts:7/,
    );
  });

  it("ends by itself, exit 0, when every test closes what it opens (default deadline)", async () => {
    const { code, output } = await runMocha("clean.fixture.ts");
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /did not end/);
  });
});
