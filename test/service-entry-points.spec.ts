// Every service's entry point, run as its Dockerfile runs it (`node --import tsx src/main.ts`), with
// a bad configuration: one clear line on stderr, no stack trace, exit code 1.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { SERVICES, type ServiceName } from "../scripts/lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

async function runWithBadConfig(
  name: ServiceName,
): Promise<{ code: number | null; stderr: string[]; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(root, "services", name),
    // Two variables no service accepts: both are named in the one line.
    env: { ...process.env, PORT: "not-a-port", LOG_LEVEL: "loud" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, stdout, stderr: stderr.split("\n").filter((l) => l.trim() !== "") };
}

describe("a service started with a bad configuration", function () {
  this.timeout(180_000);
  // All six at once: each loads its whole module graph before it reads the configuration.
  const runs = new Map<ServiceName, Promise<Awaited<ReturnType<typeof runWithBadConfig>>>>();
  before(() => {
    for (const name of SERVICES) runs.set(name, runWithBadConfig(name));
  });

  for (const name of SERVICES) {
    it(`${name}: says what to fix in one line on stderr and exits 1`, async () => {
      const run = runs.get(name);
      assert.ok(run);
      const { code, stdout, stderr } = await run;
      assert.equal(code, 1, `exit code; stderr:\n${stderr.join("\n")}`);
      assert.equal(stderr.length, 1, `one line, got:\n${stderr.join("\n")}`);
      const line = stderr[0] ?? "";
      assert.match(line, new RegExp(`^${name}: invalid configuration: `));
      assert.match(
        line,
        /LOG_LEVEL is invalid: .*; PORT is invalid: |PORT is invalid: .*; LOG_LEVEL is invalid: /,
      );
      assert.equal(stdout, "", "nothing started, nothing logged");
    });
  }
});
