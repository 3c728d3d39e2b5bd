// The shape of the delivery and ingress sources, read from their import lines: the folders of
// `src/` depend on each other in one direction only (no cycle, such as the one consumers/ and
// sending/ had), and no store raises a transport error (stores report outcomes; handlers turn them
// into RPC errors).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SERVICES = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SERVICE_KIT = resolve(SERVICES, "../packages/service-kit/src");

/** Every module a file names: static imports and re-exports (type-only included), dynamic imports. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^"';]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1] ?? "");
  return found;
}

/** The names a file imports from `specifier` (`import { a, type b as c } from "x"` gives a, b). */
function namesImported(source: string, specifier: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
    if (m[2] !== specifier) continue;
    for (const part of (m[1] ?? "").split(",")) {
      const name =
        part
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)[0] ?? "";
      if (name !== "") names.push(name);
    }
  }
  return names;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** The folder of `src/` a file belongs to; undefined for the wiring at its root (main.ts, server.ts). */
function folderOf(src: string, file: string): string | undefined {
  const parts = relative(src, file).split("/");
  return parts.length > 1 ? parts[0] : undefined;
}

/** src folder -> the src folders its files import. */
function folderGraph(src: string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of tsFiles(src)) {
    const from = folderOf(src, file);
    if (from === undefined) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const to = folderOf(src, resolve(dirname(file), spec));
      if (to !== undefined && to !== from && !to.startsWith("..")) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle between folders, each as the path that closes it ("a -> b -> a"). */
function cyclesOf(graph: Map<string, Set<string>>): string[] {
  const cycles: string[] = [];
  // Each cycle is found once, from its first folder in sort order.
  const visit = (start: string, path: string[]) => {
    for (const next of graph.get(path.at(-1) ?? start) ?? []) {
      if (next === start) cycles.push([...path, next].join(" -> "));
      else if (next > start && !path.includes(next)) visit(start, [...path, next]);
    }
  };
  for (const start of [...graph.keys()].sort()) visit(start, [start]);
  return cycles;
}

/**
 * What service-kit exports that raises or builds an RPC error: everything its index re-exports from
 * errors/, and from any module that imports errors/ to throw them (etag, paging, request ids...).
 */
function serviceKitErrorHelpers(): Set<string> {
  const index = readFileSync(join(SERVICE_KIT, "index.ts"), "utf8");
  const helpers = new Set<string>();
  for (const m of index.matchAll(/export\s+\{([^}]*)\}\s*from\s*["']\.\/([^"']+)["']/g)) {
    const module = join(SERVICE_KIT, (m[2] ?? "").replace(/\.js$/, ".ts"));
    const raises =
      (m[2] ?? "").startsWith("errors/") ||
      specifiersOf(readFileSync(module, "utf8")).some((s) => s.startsWith("../errors/"));
    if (!raises) continue;
    for (const part of (m[1] ?? "").split(",")) {
      const name = part.trim().replace(/^type\s+/, "");
      if (name !== "") helpers.add(name);
    }
  }
  return helpers;
}

describe("source shape of delivery and ingress", () => {
  for (const service of ["delivery", "ingress"]) {
    const src = join(SERVICES, service, "src");

    it(`${service}: the folders of src/ import each other in one direction only`, () => {
      const graph = folderGraph(src);
      assert.ok(graph.size >= 5, `only ${graph.size} folders read`);
      assert.deepEqual(cyclesOf(graph), []);
    });

    it(`${service}: no store throws a transport error`, () => {
      const helpers = serviceKitErrorHelpers();
      assert.ok(helpers.has("notFound") && helpers.has("decodePageToken"), "the helpers were read");
      const offences: string[] = [];
      for (const file of tsFiles(join(src, "store"))) {
        const source = readFileSync(file, "utf8");
        const name = relative(src, file);
        if (specifiersOf(source).includes("@connectrpc/connect"))
          offences.push(`${name}: @connectrpc/connect`);
        for (const helper of namesImported(source, "@atendo/service-kit")) {
          if (helpers.has(helper)) offences.push(`${name}: ${helper}`);
        }
      }
      assert.deepEqual(offences, []);
    });
  }

  it("finds the cycle consumers/ and sending/ had, and a store throwing", () => {
    // The rules above, fed what the code looked like before: they must see it.
    const before = new Map([
      ["consumers", new Set(["sending", "store"])],
      ["sending", new Set(["consumers", "store"])],
      ["store", new Set(["domain"])],
    ]);
    assert.deepEqual(cyclesOf(before), ["consumers -> sending -> consumers"]);
    const store =
      'import { type Db } from "@atendo/db";\nimport { notFound, type Principal } from "@atendo/service-kit";';
    assert.deepEqual(
      namesImported(store, "@atendo/service-kit").filter((n) => serviceKitErrorHelpers().has(n)),
      ["notFound"],
    );
  });
});
