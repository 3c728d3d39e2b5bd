// A versitygw process for one test file: its own folders in the temporary directory, buckets made
// as folders before it starts, one root key pair, on a free loopback port.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../wait-for.js";
import { ensureVersityGw } from "./ensure-versitygw.js";

export interface VersityGwOptions {
  buckets: readonly string[];
  accessKeyId: string;
  secretAccessKey: string;
  /** Default us-east-1. */
  region?: string;
}

export interface VersityGw {
  /** The endpoint, e.g. http://127.0.0.1:41234 (path-style addressing). */
  readonly url: string;
  /** The file holding an object: `<bucket>/<key>` under the gateway's folder. */
  objectFile(bucket: string, key: string): string;
  close(): Promise<void>;
}

/** A port free a moment ago (the gateway prints no port it picked itself). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const address = probe.address();
  probe.close();
  return typeof address === "object" && address !== null ? address.port : 0;
}

export async function startVersityGw(options: VersityGwOptions): Promise<VersityGw> {
  const binary = ensureVersityGw();
  const home = mkdtempSync(join(tmpdir(), "atendo-versitygw-"));
  const data = join(home, "data");
  // Metadata (content type, x-amz-meta-*) in a sidecar folder: no need for extended attributes,
  // which some temporary file systems lack.
  const sidecar = join(home, "meta");
  for (const bucket of options.buckets) mkdirSync(join(data, bucket), { recursive: true });
  mkdirSync(sidecar, { recursive: true });
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    binary,
    ["--port", `127.0.0.1:${port}`, "--region", options.region ?? "us-east-1", "--quiet", "posix"].concat([
      "--sidecar",
      sidecar,
      data,
    ]),
    {
      // The key pair through the environment, not the command line other users can list.
      env: {
        PATH: process.env.PATH ?? "",
        ROOT_ACCESS_KEY_ID: options.accessKeyId,
        ROOT_SECRET_ACCESS_KEY: options.secretAccessKey,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, "exit");
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    // Up when it answers HTTP at all (an unsigned request is refused, which is an answer).
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`versitygw exited with ${child.exitCode}`);
        return (await fetch(url)).status > 0;
      },
      { timeoutMs: 15_000, intervalMs: 50, message: () => `versitygw on ${url}: ${output.join("")}` },
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { url, objectFile: (bucket, key) => join(data, bucket, key), close };
}
