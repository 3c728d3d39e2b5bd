// Compiles .proto sources with the same protoc and imports as scripts/proto.ts, into a registry the
// contract checks read: synthetic contracts for the checkers' own tests, or a changed copy of proto/.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FileRegistry } from "@bufbuild/protobuf";
import { compileImage, readImage } from "../../../../scripts/lib/proto-image.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

/** A temporary folder of .proto files compiled into an image; `dispose` removes it. */
export interface CompiledProtos {
  dir: string;
  image: string;
  registry: FileRegistry;
  dispose(): void;
}

function compile(dir: string): CompiledProtos {
  // The repository's proto/ comes after: a synthetic contract imports the real common options.
  const image = compileImage({
    protoRoot: join(dir, "src"),
    out: join(dir, "image.binpb"),
    extraIncludes: [join(root, "proto")],
  });
  return {
    dir,
    image,
    registry: readImage(image),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Compiles `files` (path -> source), which may import the repository's own protos. */
export function compileSources(files: Record<string, string>): CompiledProtos {
  const dir = mkdtempSync(join(tmpdir(), "atendo-protos-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, "src", path)), { recursive: true });
    writeFileSync(join(dir, "src", path), text);
  }
  return compile(dir);
}

/** Compiles a copy of the repository's proto/ after `edit` changed it (paths relative to proto/). */
export function compileChangedCopy(edit: (protoDir: string) => void): CompiledProtos {
  const dir = mkdtempSync(join(tmpdir(), "atendo-protos-"));
  cpSync(join(root, "proto"), join(dir, "src"), { recursive: true });
  edit(join(dir, "src"));
  return compile(dir);
}
