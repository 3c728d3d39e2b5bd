// TCP probes of the local stack's servers: is a port open, what does a server say first, and a
// bounded wait until a condition holds.
import { connect } from "node:net";

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/** Reads the first line a server sends on connect (NATS sends INFO {...}). */
export function firstLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = "";
    s.setTimeout(2000, () => {
      s.destroy();
      reject(new Error(`no greeting from ${host}:${port}`));
    });
    s.on("data", (d) => {
      buf += d.toString("utf8");
      const i = buf.indexOf("\n");
      if (i >= 0) {
        s.destroy();
        resolve(buf.slice(0, i));
      }
    });
    s.once("error", reject);
  });
}

/** Sends one inline command and resolves with the first reply chunk ("" when the server hangs up). */
export function sendLine(host: string, port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.setTimeout(2000, () => {
      s.destroy();
      reject(new Error(`no answer from ${host}:${port}`));
    });
    s.once("connect", () => s.write(`${command}\r\n`));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString("utf8"));
    });
    s.once("error", reject);
    s.once("close", () => resolve(""));
  });
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}
