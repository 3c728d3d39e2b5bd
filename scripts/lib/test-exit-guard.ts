// Loaded into every mocha run (.mocharc.json `require`). Mocha no longer forces the process to exit,
// so a test that leaves a server, socket, child process or timer behind keeps it alive. This guard
// turns that into a failure: when the run has not ended EXIT_DEADLINE_MS after the last test, it
// prints what still holds the process (with the test that created it and where) and exits 1.
import { createHook } from "node:async_hooks";
import { relative } from "node:path";
import Mocha from "mocha";

const DEFAULT_DEADLINE_MS = 5_000;

/** Resource types that keep the event loop alive when referenced (see async_hooks' type list). */
const LOOP_HOLDERS = new Set([
  "Timeout",
  "Immediate",
  "TCPWRAP",
  "TCPSERVERWRAP",
  "PIPEWRAP",
  "PIPESERVERWRAP",
  "PROCESSWRAP",
  "UDPWRAP",
  "TTYWRAP",
  "SIGNALWRAP",
  "FSEVENTWRAP",
  "STATWATCHER",
  "HTTP2SESSION",
  "MESSAGEPORT",
  "WORKER",
]);

interface Tracked {
  type: string;
  resource: object;
  /** The test (or hook) running when it was created. */
  test: string;
  /** Where in the repository it was created. */
  at: string;
}

export interface ExitGuardOptions {
  deadlineMs: number;
  root: string;
  /** Names of well-known ports (`55432` -> `postgres`) for the report. */
  portNames: ReadonlyMap<number, string>;
  report: (text: string) => void;
  exit: (code: number) => void;
}

interface Handle {
  _handle?: object;
  remoteAddress?: string;
  remotePort?: number;
  localPort?: number;
  pid?: number;
  spawnargs?: string[];
  address?: () => unknown;
  hasRef?: () => boolean;
}

/** Frames of the repository's own code (not node_modules, not node:), nearest first. */
function repoFrames(stack: string, root: string): string {
  const frames: string[] = [];
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?(?:file:\/\/)?(\/[^():]+):(\d+):\d+\)?$/.exec(line.trim());
    const file = m?.[1];
    if (!file?.startsWith(root) || file.includes("/node_modules/") || file.endsWith("test-exit-guard.ts"))
      continue;
    frames.push(`${relative(root, file)}:${m?.[2]}`);
    if (frames.length === 3) break;
  }
  return frames.join(" < ") || "(outside the repository)";
}

function describeHandle(h: Handle, portNames: ReadonlyMap<number, string>): string {
  const name = h.constructor?.name ?? "handle";
  if (h.pid !== undefined && h.spawnargs !== undefined)
    return `child process ${h.pid}: ${h.spawnargs.join(" ")}`;
  if (h.remotePort !== undefined) {
    const peer = portNames.get(h.remotePort);
    return `${name} to ${h.remoteAddress}:${h.remotePort}${peer ? ` (${peer})` : ""}`;
  }
  if (typeof h.address === "function") {
    const a = h.address() as { port?: number } | string | null;
    if (a && typeof a === "object" && a.port !== undefined) return `${name} listening on port ${a.port}`;
  }
  return name;
}

export function createExitGuard(options: ExitGuardOptions) {
  const live = new Map<number, Tracked>();
  let currentTest = "(loading the spec files)";
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (!LOOP_HOLDERS.has(type)) return;
      const stack = new Error().stack ?? "";
      live.set(asyncId, { type, resource, test: currentTest, at: repoFrames(stack, options.root) });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });

  const referenced = (resource: object): boolean => {
    const r = resource as { hasRef?: () => boolean };
    return typeof r.hasRef === "function" ? r.hasRef() : true;
  };

  /** What holds the process now, one line each; empty when nothing does. */
  const holders = (): string[] => {
    const byResource = new Map<object, Tracked>();
    for (const t of live.values()) byResource.set(t.resource, t);
    const lines: string[] = [];
    const seen = new Set<object>();
    const getHandles = (process as unknown as { _getActiveHandles?: () => Handle[] })._getActiveHandles;
    for (const h of getHandles?.call(process) ?? []) {
      if (typeof h.hasRef === "function" && !h.hasRef()) continue;
      const t = (h._handle && byResource.get(h._handle)) || byResource.get(h);
      if (h._handle) seen.add(h._handle);
      // stdio streams belong to the process itself
      if ((h as { fd?: number }).fd !== undefined && ((h as { fd: number }).fd ?? 3) <= 2) continue;
      const where = t ? ` — created in "${t.test}" at ${t.at}` : "";
      lines.push(`${describeHandle(h, options.portNames)}${where}`);
    }
    for (const t of live.values()) {
      if (seen.has(t.resource) || !referenced(t.resource)) continue;
      if (t.type !== "Timeout" && t.type !== "Immediate") continue;
      lines.push(`${t.type === "Timeout" ? "timer" : "immediate"} — created in "${t.test}" at ${t.at}`);
    }
    return lines;
  };

  return {
    enable(): void {
      hook.enable();
    },
    setCurrentTest(title: string): void {
      currentTest = title;
    },
    holders,
    /** After the last test: fail the run if it has not ended by the deadline. */
    armDeadline(): void {
      const timer = setTimeout(() => {
        const lines = holders();
        options.report(
          `\nThe run did not end ${options.deadlineMs} ms after the last test: something a test opened is still open.\n` +
            (lines.length > 0
              ? `Still holding the process:\n${lines.map((l) => `  - ${l}`).join("\n")}\n`
              : `Active resources: ${process.getActiveResourcesInfo().join(", ")}\n`) +
            "Close what the test opens (servers, clients, timers) in its after/afterEach hooks.\n",
        );
        options.exit(1);
      }, options.deadlineMs);
      // Only a leak keeps the process alive long enough for this to fire.
      timer.unref();
    },
  };
}

function portNamesFromEnv(env: NodeJS.ProcessEnv): Map<number, string> {
  const names = new Map<number, string>();
  const add = (raw: string | undefined, name: string) => {
    const port = Number(/:(\d+)\/?$/.exec(raw ?? "")?.[1] ?? raw);
    if (Number.isInteger(port) && port > 0) names.set(port, name);
  };
  add(env.ATENDO_TEST_PG_PORT, "postgres");
  add(env.ATENDO_TEST_REDIS_URL, "redis");
  add(env.ATENDO_TEST_NATS_URL, "nats");
  return names;
}

const guard = createExitGuard({
  deadlineMs: Number(process.env.ATENDO_TEST_EXIT_DEADLINE_MS) || DEFAULT_DEADLINE_MS,
  root: process.env.ATENDO_ROOT ?? process.cwd(),
  portNames: portNamesFromEnv(process.env),
  report: (text) => process.stderr.write(text),
  exit: (code) => {
    // Mocha sets the exit code to its failure count on "exit"; this listener runs after its own.
    process.on("exit", () => {
      process.exitCode = code;
    });
    process.exit(code);
  },
});
guard.enable();

// Every test and hook passes through Runnable#run: what it creates is attributed to it (a hook's
// resources to the hook, not to the test before it).
const runnable = Mocha.Runnable.prototype as unknown as {
  run: (this: Mocha.Runnable, fn: (err?: unknown) => void) => void;
};
const run = runnable.run;
runnable.run = function (this: Mocha.Runnable, fn) {
  const file = this.file ? ` (${relative(process.env.ATENDO_ROOT ?? process.cwd(), this.file)})` : "";
  guard.setCurrentTest(`${this.fullTitle()}${file}`);
  return run.call(this, fn);
};

export function mochaGlobalTeardown(): void {
  guard.armDeadline();
}
