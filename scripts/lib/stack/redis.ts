// Redis of the local stack: a daemon of the current user, data and log in the stack folder.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../stack.js";
import { ensureBinaries, tools } from "../system-packages.js";
import { portOpen, sendLine, waitUntil } from "./net-probe.js";

export async function startRedis(cfg: StackConfig): Promise<void> {
  const [redis] = ensureBinaries([tools.redis]) as [string];
  const dir = join(cfg.dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  execFileSync(redis, [
    "--port",
    String(cfg.redisPort),
    "--bind",
    cfg.host,
    "--dir",
    dir,
    "--daemonize",
    "yes",
    "--pidfile",
    join(dir, "redis.pid"),
    "--logfile",
    join(cfg.dataDir, "redis.log"),
    "--appendonly",
    "yes",
  ]);
  await waitUntil("redis", () => portOpen(cfg.host, cfg.redisPort));
}

export async function redisAnswersPing(cfg: StackConfig): Promise<boolean> {
  return (await sendLine(cfg.host, cfg.redisPort, "PING")).startsWith("+PONG");
}

export async function stopRedis(cfg: StackConfig): Promise<void> {
  await sendLine(cfg.host, cfg.redisPort, "SHUTDOWN NOSAVE").catch(() => "");
  await waitUntil("redis to stop", async () => !(await portOpen(cfg.host, cfg.redisPort)), 15_000);
}
