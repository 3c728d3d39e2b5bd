// The benches: every bench/*.bench.ts, found by name so that a new bench is run (and smoke-tested
// by npm test) without being listed anywhere.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function listBenches(root: string): string[] {
  return readdirSync(join(root, "bench"))
    .filter((f) => f.endsWith(".bench.ts"))
    .sort()
    .map((f) => join("bench", f));
}

export interface BenchResult {
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

/** Runs one bench file in its own process; `echo` also prints its output as it comes. */
export function runBenchFile(
  root: string,
  file: string,
  args: readonly string[],
  echo = false,
): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
      cwd: root,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (echo) stream.write(chunk);
    };
    child.stdout.on("data", take(process.stdout));
    child.stderr.on("data", take(process.stderr));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}
