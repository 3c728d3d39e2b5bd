import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testEnv, waitFor } from "@atendo/testing";
import { Redis } from "ioredis";
import { freePorts } from "../../../test/support/free-ports.js";

const FIXTURE = fileURLToPath(new URL("./support/run-service-fixture.ts", import.meta.url));

interface Fixture {
  child: ChildProcess;
  /** Parsed log lines (stdout). */
  logs: Array<Record<string, unknown>>;
  stderr: string[];
  /** Resolves once the process has exited and its output is read. */
  ended: Promise<number | null>;
}

function runFixture(env: Record<string, string>): Fixture {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split("\n");
    out = lines.pop() ?? "";
    for (const line of lines) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const ended = new Promise<number | null>((resolve) => {
    child.once("close", (code) => {
      stderr.push(...err.split("\n").filter((l) => l !== ""));
      resolve(code);
    });
  });
  return { child, logs, stderr, ended };
}

/** What the fixture reported at exit (on stderr): the handles still open, the order it closed in. */
function exitReport(f: Fixture): { activeAtExit: string[]; closedOrder: string[] } {
  const line = f.stderr.find((l) => l.startsWith('{"activeAtExit"'));
  assert.ok(line, `no report of open handles; stderr: ${f.stderr.join("\n")}`);
  return JSON.parse(line) as { activeAtExit: string[]; closedOrder: string[] };
}
const activeAtExit = (f: Fixture): string[] => exitReport(f).activeAtExit;

// What a resource that was not released leaves behind: a socket, a listening server, a timer.
const LEAKS = ["TCPSocketWrap", "TCPServerWrap", "Timeout"];

const messages = (f: Fixture, msg: string) => f.logs.filter((l) => l.msg === msg);

/** Closed in reverse order of opening, and each close logged (log lines may land out of order). */
function assertClosedInReverse(f: Fixture): void {
  assert.deepEqual(exitReport(f).closedOrder, ["timer", "server", "redis"]);
  assert.deepEqual(
    messages(f, "closed")
      .map((l) => l.resource)
      .sort(),
    ["redis", "server", "timer"],
  );
}

describe("runService (a service process)", function () {
  this.timeout(60_000);
  const redisUrl = testEnv().redisUrl;

  it("prints a bad configuration as one line on stderr and exits 1", async () => {
    const f = runFixture({ LOG_LEVEL: "loud", REDIS_URL: "http://127.0.0.1:1" });
    assert.equal(await f.ended, 1);
    assert.equal(f.stderr.length, 1, `expected one line, got:\n${f.stderr.join("\n")}`);
    assert.match(
      f.stderr[0] ?? "",
      /^fixture: invalid configuration: LOG_LEVEL is invalid: .+; REDIS_URL is invalid: .+$/,
    );
    assert.deepEqual(f.logs, [], "nothing started, nothing logged");
  });

  it("stops on SIGTERM, closing its resources in reverse, and exits 0 with nothing left open", async () => {
    const f = runFixture({ REDIS_URL: redisUrl });
    await waitFor(() => messages(f, "fixture listening").length === 1 || f.child.exitCode !== null, {
      message: "the fixture to listen",
      timeoutMs: 30_000,
    });
    const admin = new Redis(redisUrl);
    try {
      // Its connection is really open (Redis names it atendo-<name>).
      assert.match(String(await admin.call("CLIENT", "LIST")), /name=atendo-fixture /);
    } finally {
      admin.disconnect();
    }
    f.child.kill("SIGTERM");
    assert.equal(await f.ended, 0, `stderr: ${f.stderr.join("\n")}`);
    assertClosedInReverse(f);
    assert.equal(messages(f, "shutdown complete").length, 1);
    assert.deepEqual(
      messages(f, "shutdown step done").map((l) => l.step),
      ["service", "telemetry"],
    );
    const open = activeAtExit(f);
    assert.deepEqual(
      open.filter((h) => LEAKS.includes(h)),
      [],
      `open at exit: ${open.join(", ")}`,
    );
  });

  it("logs a failed start once, closes what it opened and exits 1", async () => {
    const f = runFixture({ REDIS_URL: redisUrl, FAIL_START: "resources" });
    assert.equal(await f.ended, 1);
    const failures = f.logs.filter((l) => l.level !== "debug" && l.level !== "info");
    assert.deepEqual(
      failures.map((l) => [l.level, l.msg, (l.err as { message?: string }).message]),
      [["fatal", "start failed", "told to fail once everything is open"]],
    );
    assertClosedInReverse(f);
    assert.equal(
      f.stderr.some((l) => l.includes("    at ")),
      false,
      "no stack trace on stderr",
    );
    const open = activeAtExit(f);
    assert.deepEqual(
      open.filter((h) => LEAKS.includes(h)),
      [],
      `open at exit: ${open.join(", ")}`,
    );
  });

  it("exits 1 when a resource cannot be opened, without a client left reconnecting", async () => {
    const [port] = await freePorts(1);
    const f = runFixture({ REDIS_URL: `redis://127.0.0.1:${port}` });
    assert.equal(await f.ended, 1);
    const problems = f.logs.filter((l) => l.level !== "debug" && l.level !== "info");
    assert.deepEqual(
      problems.map((l) => [l.level, l.msg, (l.err as { message?: string }).message]),
      [["fatal", "start failed", `cannot connect to Redis: connect ECONNREFUSED 127.0.0.1:${port}`]],
      "logged once",
    );
    const open = activeAtExit(f);
    assert.deepEqual(
      open.filter((h) => LEAKS.includes(h)),
      [],
      `open at exit: ${open.join(", ")}`,
    );
  });
});
