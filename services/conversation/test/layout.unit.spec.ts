// The service's folders depend one way: store/ may use domain/ (its rules and names), domain/ never
// uses store/, so the domain's logic and views can be read and tested without a database. And a
// store reports what happened (a result, or a domain error) without speaking the transport: only
// handlers turn outcomes into Connect errors.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

// service-kit's helpers that build or throw transport errors.
const ERROR_HELPERS = new Set([
  "alreadyExists",
  "asConnectError",
  "assertEtag",
  "commonError",
  "decodePageToken",
  "etagMismatch",
  "failedPrecondition",
  "invalidArgument",
  "messageFromInput",
  "notFound",
  "oncePerRequest",
  "permissionDenied",
  "planLimitReached",
  "rateLimited",
  "reasonError",
  "unauthenticated",
  "unavailable",
  "withReason",
]);

interface Import {
  file: string;
  from: string;
  names: string[];
}

/** Every static and dynamic import (and re-export) of the TypeScript files under `folder`. */
function importsOf(folder: string): Import[] {
  const dir = join(SRC, folder);
  const out: Import[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!name.endsWith(".ts")) continue;
    const file = join(dir, name);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)\s+(?:type\s+)?([^;]*?)\s*from\s*"([^"]+)"/g)) {
      const names = [...(m[1] ?? "").matchAll(/(?:type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+[\w$]+)?/g)].map(
        (n) => n[1] ?? "",
      );
      out.push({ file: relative(SRC, file), from: m[2] ?? "", names });
    }
    for (const m of text.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) {
      out.push({ file: relative(SRC, file), from: m[1] ?? "", names: [] });
    }
  }
  return out;
}

/** The folder of `src/` a relative import lands in (undefined for packages). */
function folderOf(i: Import): string | undefined {
  if (!i.from.startsWith(".")) return undefined;
  const target = relative(SRC, resolve(SRC, dirname(i.file), i.from));
  return target.split(/[\\/]/)[0];
}

describe("folder layout", () => {
  it("finds the imports of both folders", () => {
    // Guards the parser: a regex that matched nothing would make the checks below pass vacuously.
    assert.ok(importsOf("domain").some((i) => i.from === "@atendo/proto/common/v1"));
    assert.ok(importsOf("store").some((i) => folderOf(i) === "domain"));
  });

  it("keeps domain/ free of store/ (and of every other folder of the service)", () => {
    const outward = importsOf("domain").filter((i) => {
      const folder = folderOf(i);
      return folder !== undefined && folder !== "domain";
    });
    assert.deepEqual(
      outward.map((i) => `${i.file} imports ${i.from}`),
      [],
    );
  });

  it("keeps transport errors out of store/: no Connect, no error helper, no handler", () => {
    const transport = importsOf("store").filter(
      (i) =>
        i.from.startsWith("@connectrpc/") ||
        (i.from === "@atendo/service-kit" && i.names.some((n) => ERROR_HELPERS.has(n))) ||
        folderOf(i) === "handlers",
    );
    assert.deepEqual(
      transport.map((i) => `${i.file} imports ${i.names.join(", ")} from ${i.from}`),
      [],
    );
  });
});
