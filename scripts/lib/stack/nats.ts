// NATS with JetStream of the local stack: a detached process of the current user, its store, pid
// file and log in the stack folder.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../stack.js";
import { ensureBinaries, tools } from "../system-packages.js";
import { firstLine, portOpen, waitUntil } from "./net-probe.js";

export async function startNats(cfg: StackConfig): Promise<void> {
  const [nats] = ensureBinaries([tools.nats]) as [string];
  const dir = join(cfg.dataDir, "nats");
  mkdirSync(dir, { recursive: true });
  const out = openSync(join(cfg.dataDir, "nats.log"), "a");
  const child = spawn(
    nats,
    [
      "-a",
      cfg.host,
      "-p",
      String(cfg.natsPort),
      "-m",
      String(cfg.natsMonitorPort),
      "-js",
      "-sd",
      dir,
      "-P",
      join(dir, "nats.pid"),
    ],
    { detached: true, stdio: ["ignore", out, out] },
  );
  child.unref();
  await waitUntil("nats", () => portOpen(cfg.host, cfg.natsPort));
}

export async function stopNats(cfg: StackConfig): Promise<void> {
  const pidFile = join(cfg.dataDir, "nats", "nats.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  await waitUntil("nats to stop", async () => !(await portOpen(cfg.host, cfg.natsPort)), 15_000);
}

export async function checkNatsJetStream(cfg: StackConfig): Promise<void> {
  const info = await firstLine(cfg.host, cfg.natsPort);
  if (!info.startsWith("INFO ")) throw new Error(`port ${cfg.natsPort} is not a NATS server: ${info}`);
  const parsed = JSON.parse(info.slice(5)) as { jetstream?: boolean };
  if (!parsed.jetstream) {
    throw new Error(`the NATS server on port ${cfg.natsPort} runs without JetStream; restart it with -js`);
  }
}
