// Runs one Atendo service as a child process (`node --import tsx src/main.ts`), the way its Dockerfile
// and `npm start` do: used by `npm run dev` and by end-to-end tests that need real processes.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { AuthEnv } from "./auth-env.js";
import { authVariables, devAuthEnv } from "./auth-env.js";
import { SERVICE_PORTS } from "./dev-ports.js";
import type { ServiceName, StackConfig } from "./stack.js";
import { stackUrls } from "./stack.js";

export type OutputStream = "stdout" | "stderr";

export interface StartServiceOptions {
  name: ServiceName;
  /** The service's variables (see serviceEnv); laid over this process's environment. */
  env: Readonly<Record<string, string>>;
  /** Repository root; default ATENDO_ROOT or the current directory. */
  root?: string;
  /** Printed before each output line when no onLine is given; default `[<name>] `. */
  logPrefix?: string;
  /** Receives every output line instead of the default prefixed printing. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Lines kept for crash reports; default 50. */
  keepLines?: number;
}

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Polls GET /readyz until it answers 200; rejects when the process exits or the time runs out. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 15 s); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL now. */
  kill(): void;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Whether the process has exited. */
  readonly hasExited: boolean;
  /** The last output lines, for crash reports. */
  recentLines(): string[];
}

function rootDir(root?: string): string {
  return root ?? process.env.ATENDO_ROOT ?? process.cwd();
}

/**
 * Spawns a service in its own process group, so a terminal's Ctrl-C reaches only the parent, which
 * then stops services in order.
 */
export function startServiceProcess(options: StartServiceOptions): ServiceProcess {
  const { name } = options;
  const port = Number(options.env.PORT);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`startServiceProcess(${name}): env.PORT must be a fixed port, got "${options.env.PORT}"`);
  }
  const cwd = join(rootDir(options.root), "services", name);
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not spawn the ${name} service`);
  const pid = child.pid;

  const keep = options.keepLines ?? 50;
  const recent: string[] = [];
  const prefix = options.logPrefix ?? `[${name}] `;
  const onLine =
    options.onLine ??
    ((line: string, stream: OutputStream) => {
      (stream === "stderr" ? process.stderr : process.stdout).write(`${prefix}${line}\n`);
    });
  const follow = (stream: NodeJS.ReadableStream | null, kind: OutputStream): void => {
    if (stream === null) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      recent.push(line);
      if (recent.length > keep) recent.shift();
      onLine(line, kind);
    });
  };
  follow(child.stdout, "stdout");
  follow(child.stderr, "stderr");

  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      hasExited = true;
      resolve(code);
    });
    child.once("error", () => {
      hasExited = true;
      resolve(null);
    });
  });
  const url = `http://127.0.0.1:${port}`;

  const signal = (sig: NodeJS.Signals): void => {
    if (hasExited) return;
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };

  const ready = async (timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (hasExited) {
        throw new Error(
          `the ${name} service exited (code ${await exited}) before it was ready; last output:\n${recent.slice(-15).join("\n")}`,
        );
      }
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
    }
    throw new Error(`the ${name} service was not ready within ${timeoutMs} ms (last /readyz: ${last})`);
  };

  const stop = async (timeoutMs = 15_000): Promise<number | null> => {
    if (hasExited) return exited;
    signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        signal("SIGKILL");
        resolve();
      }, timeoutMs);
    });
    await Promise.race([exited, killed]);
    clearTimeout(timer);
    return exited;
  };

  return {
    name,
    port,
    pid,
    url,
    ready,
    stop,
    kill: () => signal("SIGKILL"),
    exited,
    get hasExited() {
      return hasExited;
    },
    recentLines: () => [...recent],
  };
}

export interface ServiceEnvOptions {
  name: ServiceName;
  stack: StackConfig;
  /** Postgres database; default "atendo" (dev). */
  database?: string;
  /** Port of every service (they call each other); default the local ports. */
  ports?: Readonly<Record<ServiceName, number>>;
  /** Bus namespace (tests isolate streams with it); unset in dev. */
  namespace?: string;
  /** Redis key prefix; default "atendo:". */
  redisPrefix?: string;
  /** Run migrations at start as atendo_owner; default true. */
  migrate?: boolean;
  logLevel?: string;
  /** Credentials, issuer, platform admins, channel cache key; default the development ones. */
  auth?: AuthEnv;
  /** Service-specific extras (CHANNEL_SECRET_KEYS, BUFFER_WINDOW_MS, ...). */
  extra?: Readonly<Record<string, string>>;
}

/** The environment of one service, from the local stack (docs/operations.md lists every variable). */
export function serviceEnv(options: ServiceEnvOptions): Record<string, string> {
  const ports = options.ports ?? SERVICE_PORTS;
  const urls = stackUrls(options.stack, options.database ?? "atendo");
  const at = (service: ServiceName): string => `http://127.0.0.1:${ports[service]}`;
  const env: Record<string, string> = {
    PORT: String(ports[options.name]),
    HOST: "127.0.0.1",
    DATABASE_URL: urls.appUrl(options.name),
    REDIS_URL: urls.redisUrl,
    NATS_URL: urls.natsUrl,
    LOG_LEVEL: options.logLevel ?? "info",
    OTEL_EXPORTER: "none",
    REDIS_KEY_PREFIX: options.redisPrefix ?? "atendo:",
    TENANT_SERVICE_URL: at("tenant"),
    CONVERSATION_SERVICE_URL: at("conversation"),
    ASSISTANT_SERVICE_URL: at("assistant"),
  };
  if (options.migrate ?? true) env.MIGRATION_DATABASE_URL = urls.ownerUrl;
  if (options.namespace !== undefined) env.BUS_NAMESPACE = options.namespace;
  return { ...env, ...authVariables(options.name, options.auth ?? devAuthEnv()), ...options.extra };
}
