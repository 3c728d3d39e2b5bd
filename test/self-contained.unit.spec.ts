// The repository explains itself: no file names a document that lives outside it, and every
// relative link of its Markdown resolves to a file inside it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const THIS_FILE = "test/self-contained.unit.spec.ts";

/** The repository's text files, new ones included (not generated code nor the lock file). */
function trackedFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f !== "" && f !== THIS_FILE && f !== "package-lock.json")
    .filter((f) => !f.startsWith("packages/proto/src/gen/"))
    .filter((f) => /\.(ts|md|proto|ya?ml|json|sh|tpl|txt)$|Dockerfile$|Tiltfile$/.test(f));
}

// Design notes that were never part of the repository: `ARCHITECTURE.md` (the in-repo page is
// docs/architecture.md), any `…channels.md` (the wire formats are docs/meta-wire-format.md: no
// page of ours ends with that name, so none can be taken for it), `../shared`.
function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    if (/ARCHITECTURE\.md/.test(line)) found.push(`${at} names ARCHITECTURE.md`);
    if (/\.\.\/shared\b/.test(line)) found.push(`${at} points at ../shared`);
    if (/channels\.md/.test(line)) found.push(`${at} names a channels.md`);
  });
  return found;
}

/** Relative Markdown link targets that do not exist, or leave the repository. */
function brokenLinks(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1] ?? "";
    if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
    const path = resolve(root, dirname(file), target.split("#")[0] ?? "");
    const inside = !relative(root, path).startsWith("..");
    if (!inside || !existsSync(path)) found.push(`${file}: link to ${target}`);
  }
  return found;
}

describe("the repository explains itself", () => {
  const files = trackedFiles();

  it("reads a meaningful set of files", () => {
    assert.ok(files.includes("README.md") && files.includes("docs/meta-wire-format.md"), "README and docs");
    assert.ok(files.length > 300, `only ${files.length} files`);
  });

  it("names no document outside the repository", () => {
    const found = files.flatMap((f) => outsideReferences(f, readFileSync(join(root, f), "utf8")));
    assert.deepEqual(found, []);
  });

  it("links only to files inside the repository that exist", () => {
    const found = files
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) => brokenLinks(f, readFileSync(join(root, f), "utf8")));
    assert.deepEqual(found, []);
  });

  it("would catch each kind of reference", () => {
    assert.equal(outsideReferences("docs/a.md", "see ARCHITECTURE.md §1").length, 1);
    assert.equal(outsideReferences("src/a.ts", "// channels.md rule 8").length, 1);
    assert.equal(outsideReferences("src/a.ts", "// docs/channels.md, rule 8").length, 1);
    assert.equal(outsideReferences("docs/a.md", "[channels.md](channels.md)").length, 1);
    assert.equal(outsideReferences("src/a.ts", "// docs/meta-channels.md, rule 8").length, 1);
    assert.equal(outsideReferences("src/a.ts", "// docs/meta-wire-format.md, rule 8").length, 0);
    assert.equal(outsideReferences("docs/a.md", "[meta-wire-format.md](meta-wire-format.md)").length, 0);
    assert.equal(outsideReferences("a.md", "`../shared/fixtures/`").length, 1);
    assert.equal(brokenLinks("docs/a.md", "[x](../../outside.md)").length, 1);
    assert.equal(brokenLinks("docs/a.md", "[x](no-such-page.md)").length, 1);
    assert.equal(brokenLinks("docs/a.md", "[x](auth.md#credentials) [y](https://example.com)").length, 0);
  });
});
