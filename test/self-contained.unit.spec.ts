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

// Every Markdown page the prose names is one of ours (a page a reader cannot open from a clone is no
// explanation), and every `../` path it names stays inside the repository and exists. Prose: the
// Markdown outside code fences, and comment lines elsewhere (code may hold paths on purpose: a
// traversal attempt in a test, a path relative to a command's own folder).
const pages = new Set(
  trackedFiles()
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.split("/").at(-1)),
);
function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  const markdown = file.endsWith(".md");
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (markdown && line.trimStart().startsWith("```")) fenced = !fenced;
    const prose = markdown ? !fenced : /^\s*(\/\/|\/?\*|#)/.test(line);
    if (!prose) return;
    const at = `${file}:${i + 1}`;
    for (const m of line.matchAll(/[\w.-]*[\w-]\.md\b/g)) {
      if (!pages.has(m[0].split("/").at(-1))) found.push(`${at} names ${m[0]}, not a page of the repository`);
    }
    for (const m of line.matchAll(/(?:^|[\s`'"(])((?:\.\.\/)+[\w./-]*)/g)) {
      const target = m[1] ?? "";
      const path = resolve(root, dirname(file), target);
      // An import names the compiled `.js` of a `.ts` source.
      const exists = existsSync(path) || existsSync(path.replace(/\.js$/, ".ts"));
      if (relative(root, path).startsWith("..") || !exists) {
        found.push(`${at} points at ${target}, outside the repository or missing`);
      }
    }
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
    assert.equal(outsideReferences("docs/a.md", "see DESIGN-NOTES.md §1").length, 1);
    assert.equal(outsideReferences("src/a.ts", "// docs/wire-brief.md, rule 8").length, 1);
    assert.equal(outsideReferences("docs/a.md", "[the brief](brief.md)").length, 1);
    assert.equal(outsideReferences("src/a.ts", "// docs/meta-wire-format.md, rule 8").length, 0);
    assert.equal(outsideReferences("docs/a.md", "[meta-wire-format.md](meta-wire-format.md)").length, 0);
    assert.equal(outsideReferences("a.md", "`../outside/fixtures/`").length, 1);
    assert.equal(outsideReferences("docs/a.md", "`../no-such-folder/`").length, 1);
    assert.equal(outsideReferences("test/a.ts", "// see ../scripts/lib/stack.ts").length, 0);
    assert.equal(outsideReferences("test/a.ts", "// fixtures in ../outside/fixtures").length, 1);
    assert.equal(outsideReferences("test/a.ts", 'resolve("../../etc")').length, 0);
    assert.equal(brokenLinks("docs/a.md", "[x](../../outside.md)").length, 1);
    assert.equal(brokenLinks("docs/a.md", "[x](no-such-page.md)").length, 1);
    assert.equal(brokenLinks("docs/a.md", "[x](auth.md#credentials) [y](https://example.com)").length, 0);
  });
});
