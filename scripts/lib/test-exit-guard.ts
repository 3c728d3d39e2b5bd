// Loaded into every mocha run (.mocharc.json `require`). Mocha no longer forces the process to exit,
// so a test that leaves a server, socket, child process or timer behind keeps it alive. This guard
// turns that into a failure: when the run has not ended a deadline (ATENDO_TEST_EXIT_DEADLINE_MS,
// default 5 s) after the last test, it prints what still holds the process, with the test that
// opened it and where, and exits 1.
import { ChildProcess } from "node:child_process";
import net from "node:net";
import { relative } from "node:path";
import Mocha from "mocha";

const DEFAULT_DEADLINE_MS = 5_000;
const ORIGIN = Symbol("atendo.origin");

/** Where a handle was opened: the test (or hook) running then, and its stack (formatted lazily). */
interface Origin {
  test: string;
  stack: Error;
}

interface Handle {
  [ORIGIN]?: Origin;
  _handle?: object;
  fd?: number;
  remoteAddress?: string;
  remotePort?: number;
  pid?: number;
  spawnargs?: string[];
  address?: () => unknown;
  hasRef?: () => boolean;
}

export interface ExitGuardOptions {
  deadlineMs: number;
  root: string;
  /** Names of well-known ports (`55432` -> `postgres`) for the report. */
  portNames: ReadonlyMap<number, string>;
  report: (text: string) => void;
  exit: (code: number) => void;
}

/** The stack here, deep enough to pass Node's own frames (listen, connect, spawn). */
function captureStack(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  // V8 records the frames now and formats them only when `.stack` is read: at report time.
  const error = new Error("opened here");
  Error.stackTraceLimit = limit;
  return error;
}

/** Frames of the repository's own code (not node_modules, not node:), nearest first. */
function repoFrames(captured: Error, root: string): string {
  const stack = captured.stack ?? "";
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

interface Timer {
  hasRef(): boolean;
  /** Node's own flag: set once the timer fired (not repeating) or was cleared. */
  _destroyed?: boolean;
}

export function createExitGuard(options: ExitGuardOptions) {
  let currentTest = "(loading the spec files)";
  const origin = (): Origin => ({ test: currentTest, stack: captureStack() });
  const where = (o: Origin | undefined): string =>
    o ? ` — created in "${o.test}" at ${repoFrames(o.stack, options.root)}` : "";

  // Timers made through the global setTimeout/setInterval (not async_hooks: tracking every promise
  // would slow the whole suite many times over). Fired and cleared ones are dropped between tests.
  const timers = new Map<Timer, Origin>();
  const trackTimers = (name: "setTimeout" | "setInterval"): void => {
    const original = globalThis[name] as unknown as (...args: unknown[]) => Timer;
    const tracked = function (this: unknown, ...args: unknown[]) {
      const timer = original.apply(this, args);
      timers.set(timer, origin());
      return timer;
    };
    // Keep what hangs on the original (util.promisify's custom implementation).
    for (const key of Reflect.ownKeys(original)) {
      const d = Object.getOwnPropertyDescriptor(original, key);
      if (d && !Object.hasOwn(tracked, key)) Object.defineProperty(tracked, key, d);
    }
    (globalThis as Record<string, unknown>)[name] = tracked;
  };
  const dropSettledTimers = (): void => {
    for (const t of timers.keys()) if (t._destroyed !== false) timers.delete(t);
  };

  // Servers, sockets and child processes: marked where they are opened, since their native
  // handles are often created later, in a callback whose stack no longer shows the caller.
  const mark = <T extends object>(proto: T, method: keyof T): void => {
    const original = proto[method] as unknown as (...args: unknown[]) => unknown;
    (proto as Record<keyof T, unknown>)[method] = function (this: Handle, ...args: unknown[]) {
      this[ORIGIN] ??= origin();
      return original.apply(this, args);
    };
  };

  /** What holds the process now, one line each; empty when nothing does. */
  const holders = (): string[] => {
    const lines: string[] = [];
    const getHandles = (process as unknown as { _getActiveHandles?: () => Handle[] })._getActiveHandles;
    for (const h of getHandles?.call(process) ?? []) {
      if (typeof h.hasRef === "function" && !h.hasRef()) continue;
      if (h.fd !== undefined && h.fd <= 2) continue; // the process's own stdio
      lines.push(`${describeHandle(h, options.portNames)}${where(h[ORIGIN])}`);
    }
    dropSettledTimers();
    for (const [timer, o] of timers) if (timer.hasRef()) lines.push(`timer${where(o)}`);
    return lines;
  };

  return {
    enable(): void {
      trackTimers("setTimeout");
      trackTimers("setInterval");
      mark(net.Server.prototype, "listen");
      mark(net.Socket.prototype, "connect");
      // ChildProcess#spawn is internal (child_process.spawn calls it), hence not in the types.
      mark(ChildProcess.prototype as unknown as { spawn: unknown }, "spawn");
    },
    setCurrentTest(title: string): void {
      currentTest = title;
      dropSettledTimers();
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

const root = process.env.ATENDO_ROOT ?? process.cwd();
const guard = createExitGuard({
  deadlineMs: Number(process.env.ATENDO_TEST_EXIT_DEADLINE_MS) || DEFAULT_DEADLINE_MS,
  root,
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

// Every test and hook passes through Runnable#run: what it opens is attributed to it (a hook's
// handles to the hook, not to the test before it).
const runnable = Mocha.Runnable.prototype as unknown as {
  run: (this: Mocha.Runnable, fn: (err?: unknown) => void) => void;
};
const run = runnable.run;
runnable.run = function (this: Mocha.Runnable, fn) {
  const file = this.file ? ` (${relative(root, this.file)})` : "";
  guard.setCurrentTest(`${this.fullTitle()}${file}`);
  return run.call(this, fn);
};

export function mochaGlobalTeardown(): void {
  guard.armDeadline();
}
