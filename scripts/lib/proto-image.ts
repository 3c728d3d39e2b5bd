// Compiles proto/ into a Buf image with protoc. Third-party protos (google/api, buf/validate) are not
// vendored and the BSR is out of reach: google/api comes from google-proto-files, and protovalidate,
// which ships only descriptors on npm, is handed to protoc as a descriptor set (--descriptor_set_in).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  create,
  createFileRegistry,
  type DescFile,
  type FileRegistry,
  fromBinary,
  toBinary,
} from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { ensureProtoc } from "./system-packages.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

/** Where the image is built; the baseline of v1 that `buf breaking` compares against. */
export const PROTO_WORK_DIR = join(root, ".local", "proto");
export const BASELINE_IMAGE = join(root, "packages", "proto", "baseline", "v1.binpb");

/** Third-party files we generate code for, besides our own. */
export const EXTRA_TARGETS = [
  "google/api/annotations.proto",
  "google/api/http.proto",
  "google/rpc/code.proto",
  "google/rpc/error_details.proto",
  "health/v1/health.proto",
];

export function listProtos(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".proto"))
    .map((f) => f.split("\\").join("/"))
    .sort();
}

// protovalidate ships no .proto source on npm, only descriptors: write them (with their
// dependencies) as a FileDescriptorSet that protoc accepts through --descriptor_set_in.
function writeDepsSet(path: string): void {
  const files = new Map<string, FileDescriptorProto>();
  const walk = (f: DescFile): void => {
    if (files.has(f.proto.name)) return;
    for (const d of f.dependencies) walk(d);
    files.set(f.proto.name, f.proto);
  };
  walk(file_buf_validate_validate);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: [...files.values()] })),
  );
}

export interface CompileOptions {
  /** Where the image goes. */
  out: string;
  /** The folder of our .proto files; default the repository's proto/. */
  protoRoot?: string;
  /** Keep comments and locations (lint, docs, buf's messages); default true. */
  sourceInfo?: boolean;
  /** Also compile the third-party files we generate code for; default false. */
  extraTargets?: boolean;
  /** More import folders, searched after protoRoot (a test's contract importing the real common/). */
  extraIncludes?: string[];
}

/** Every file of `protoRoot` with its imports, as one FileDescriptorSet (a Buf image). */
export function compileImage(options: CompileOptions): string {
  const protoRoot = options.protoRoot ?? join(root, "proto");
  const deps = join(PROTO_WORK_DIR, "deps.binpb");
  writeDepsSet(deps);
  const ours = listProtos(protoRoot);
  if (ours.length === 0) throw new Error(`no .proto files under ${protoRoot}`);
  mkdirSync(dirname(options.out), { recursive: true });
  execFileSync(
    ensureProtoc(),
    [
      `--descriptor_set_in=${deps}`,
      `-I${protoRoot}`,
      ...(options.extraIncludes ?? []).map((i) => `-I${i}`),
      `-I${join(root, "node_modules", "google-proto-files")}`,
      `-I${join(root, "node_modules", "grpc-health-check", "proto")}`,
      "--include_imports",
      ...(options.sourceInfo === false ? [] : ["--include_source_info"]),
      `-o${options.out}`,
      ...ours,
      ...(options.extraTargets ? EXTRA_TARGETS : []),
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  return options.out;
}

/** The image `proto gen` and `proto check` lint and generate from (with comments). */
export function buildImage(): string {
  return compileImage({ out: join(PROTO_WORK_DIR, "image.binpb"), extraTargets: true });
}

/** Every file with its imports and no source info: what Envoy's grpc_json_transcoder loads. */
export function buildDescriptorSet(out: string): string {
  return compileImage({ out, sourceInfo: false });
}

export function readImage(path: string): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path)));
}
