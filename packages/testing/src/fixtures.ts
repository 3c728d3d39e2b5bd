import { readFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Absolute path of a file under packages/testing/fixtures, e.g. "whatsapp/two-text-messages.json". */
export function fixturePath(rel: string): string {
  const path = resolve(FIXTURES_DIR, rel);
  const inside = relative(FIXTURES_DIR, path);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new Error(`fixture path must name a file inside the fixtures folder: "${rel}"`);
  }
  return path;
}

/** The exact bytes of a fixture: sign and send these, never a re-serialised copy. */
export function readFixture(rel: string): Buffer {
  return readFileSync(fixturePath(rel));
}
