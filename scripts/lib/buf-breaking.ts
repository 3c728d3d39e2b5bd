// `buf breaking` of an image against the committed baseline of v1 (rules: buf.yaml `breaking`).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BASELINE_IMAGE } from "./proto-image.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

export interface BreakingResult {
  ok: boolean;
  /** buf's findings, one per line (`file:line:col:message`). */
  output: string;
}

export function bufBreaking(image: string, against = BASELINE_IMAGE): BreakingResult {
  const res = spawnSync(
    join(root, "node_modules", ".bin", "buf"),
    ["breaking", image, "--against", against, "--path", "atendo", "--config", join(root, "buf.yaml")],
    { cwd: root, encoding: "utf8" },
  );
  if (res.error) throw res.error;
  // 100: breaking changes found; anything else but 0 is buf failing to run.
  if (res.status !== 0 && res.status !== 100) {
    throw new Error(`buf breaking failed (exit ${res.status}): ${res.stderr}${res.stdout}`);
  }
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}`.trim() };
}
