import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@atendo/testing";
import { findBinary, tools } from "../../../../scripts/lib/system-packages.js";
import { freePorts } from "../../../../test/support/free-ports.js";

/**
 * A nats-server of its own (JetStream, file store in a temp folder) that a test may restart: the
 * shared stack's server is never restarted under the other tests. Same port and store across
 * restarts, as when a NATS pod is replaced.
 */
export type PrivateNats = {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
};

export async function startPrivateNats(): Promise<PrivateNats> {
  const bin = findBinary(tools.nats);
  if (bin === undefined) throw new Error("nats-server is not installed (npm run stack:up installs it)");
  const [found] = await freePorts(1);
  if (found === undefined) throw new Error("no free port");
  const port: number = found;
  const storeDir = mkdtempSync(join(tmpdir(), "atendo-nats-"));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const proc = spawn(bin as string, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
      stdio: "ignore",
    });
    child = proc;
    await waitFor(() => portOpen(port), { message: "the private nats-server to listen", timeoutMs: 15_000 });
  }

  async function halt(): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    await exited;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
