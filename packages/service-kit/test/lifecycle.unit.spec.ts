import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { createLifecycle } from "../src/index.js";
import { createLogSink, LEVEL } from "./support/log-sink.js";

describe("lifecycle", () => {
  it("runs the steps once, in registration order, and returns 0 when all succeed", async () => {
    const { logger } = createLogSink();
    const lifecycle = createLifecycle({ logger });
    const ran: string[] = [];
    lifecycle.onShutdown("server", async () => {
      await new Promise((resolve) => setImmediate(resolve));
      ran.push("server");
    });
    lifecycle.onShutdown("consumers", () => {
      ran.push("consumers");
    });
    lifecycle.onShutdown("pools", async () => {
      ran.push("pools");
    });
    const first = lifecycle.shutdown("test");
    const second = lifecycle.shutdown("again");
    assert.equal(await first, 0);
    assert.equal(await second, 0);
    assert.deepEqual(ran, ["server", "consumers", "pools"]);
  });

  it("logs a failing or timed-out step, aborts its signal, runs the next ones, and returns 1", async () => {
    const { logger, lines } = createLogSink();
    const lifecycle = createLifecycle({ logger, timeoutMs: 50 });
    const ran: string[] = [];
    let stuckSignal: AbortSignal | undefined;
    lifecycle.onShutdown("server", () => {
      throw new Error("close failed");
    });
    lifecycle.onShutdown("consumers", (signal) => {
      stuckSignal = signal;
      return new Promise<void>(() => {}); // never settles
    });
    lifecycle.onShutdown(
      "slow-but-allowed",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 80));
        ran.push("slow-but-allowed");
      },
      { timeoutMs: 1000 },
    );
    lifecycle.onShutdown("pools", () => {
      ran.push("pools");
    });
    assert.equal(await lifecycle.shutdown("test"), 1);
    assert.deepEqual(ran, ["slow-but-allowed", "pools"]);
    assert.equal(stuckSignal?.aborted, true);
    const failures = lines.filter((l) => l.msg === "shutdown step failed");
    assert.deepEqual(
      failures.map((l) => [l.level, l.step]),
      [
        [LEVEL.error, "server"],
        [LEVEL.error, "consumers"],
      ],
    );
    assert.match(JSON.stringify(failures[1]?.err), /timed out after 50 ms/);
  });

  it("shuts down on SIGTERM and exits with the result", async () => {
    const { logger } = createLogSink();
    const exits: number[] = [];
    const lifecycle = createLifecycle({ logger, exit: (code) => exits.push(code) });
    const ran: string[] = [];
    lifecycle.onShutdown("server", () => {
      ran.push("server");
    });
    lifecycle.listen();
    lifecycle.listen(); // idempotent: one handler, one shutdown
    const before = process.listenerCount("SIGTERM");
    process.kill(process.pid, "SIGTERM");
    await waitFor(() => exits.length > 0, { message: "the exit" });
    assert.deepEqual(exits, [0]);
    assert.deepEqual(ran, ["server"]);
    assert.equal(process.listenerCount("SIGTERM"), before - 1, "handlers are removed on exit");
  });

  it("exits at once with 1 on a second signal while shutting down", async () => {
    const { logger } = createLogSink();
    const exits: number[] = [];
    const lifecycle = createLifecycle({ logger, exit: (code) => exits.push(code) });
    let release = (): void => {};
    let started = false;
    lifecycle.onShutdown("hung", () => {
      started = true;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    lifecycle.listen();
    process.kill(process.pid, "SIGINT");
    await waitFor(() => started, { message: "the shutdown to start" });
    process.kill(process.pid, "SIGTERM");
    await waitFor(() => exits.length > 0, { message: "the forced exit" });
    assert.deepEqual(exits, [1]);
    release();
    assert.equal(await lifecycle.shutdown("after"), 0);
    assert.deepEqual(exits, [1], "exit is called only once");
  });
});
