// Structural rules of the contract surface that buf lint cannot express, checked over the Buf image
// (with comments) that scripts/proto.ts builds: REST bindings are well formed, reads are
// NO_SIDE_EFFECTS, every request field has a rule, every event has its envelope and documents its
// subject. The naming and shape rules (pagination, internal services, request ids, event
// visibility, error reasons) are checked in contract-rules-v1.unit.spec.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { http } from "@atendo/proto/google/api";
import {
  createFileRegistry,
  type DescField,
  type DescFile,
  type DescMessage,
  fromBinary,
  getOption,
  hasOption,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { field as fieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { buildImage } from "../../../scripts/lib/proto-image.js";

interface Stats {
  problems: string[];
  rpcs: number;
  events: number;
  fieldsChecked: number;
}

function comment(file: DescFile, path: number[]): string {
  const loc = file.proto.sourceCodeInfo?.location.find(
    (l) => l.path.length === path.length && l.path.every((v, i) => v === path[i]),
  );
  return (loc?.leadingComments ?? "").trim();
}

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** Whether `path` (`workspace_id`, or a field path such as `metadata.workspace_id`) names a field. */
function hasFieldPath(msg: DescMessage, path: string): boolean {
  const [head, ...rest] = path.split(".");
  const field = msg.fields.find((f) => f.name === head);
  if (field === undefined) return false;
  if (rest.length === 0) return true;
  return field.message !== undefined && hasFieldPath(field.message, rest.join("."));
}

const readPrefixes = ["Get", "List", "Watch", "Stream", "Search", "Introspect", "ResolveChannel"];
function inspect(files: DescFile[]): Stats {
  const problems: string[] = [];
  let rpcs = 0;
  let events = 0;
  let fieldsChecked = 0;
  for (const file of files) {
    file.services.forEach((svc, si) => {
      svc.methods.forEach((m, mi) => {
        rpcs++;
        if (comment(file, [6, si, 2, mi]) === "") problems.push(`${m.parent.typeName}.${m.name}: no comment`);
        const rule = hasOption(m, http) ? getOption(m, http) : undefined;
        const isRead = readPrefixes.some((p) => m.name.startsWith(p)) || m.name === "TestAssistant";
        const level = m.proto.options?.idempotencyLevel;
        if (isRead && level !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS)
          problems.push(`${m.name}: read RPC without NO_SIDE_EFFECTS`);
        if (
          !isRead &&
          level === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS &&
          m.name !== "SearchKnowledge"
        )
          problems.push(`${m.name}: write RPC marked NO_SIDE_EFFECTS`);
        if (rule) {
          const pattern = rule.pattern.value as string | undefined;
          const path = pattern ?? "";
          for (const v of path.matchAll(/\{([a-z_.]+)\}/g)) {
            const name = v[1] ?? "";
            if (!hasFieldPath(m.input, name))
              problems.push(`${m.name}: path var ${name} not in ${m.input.name}`);
          }
          if (rule.pattern.case === "get" && rule.body !== "") problems.push(`${m.name}: GET with body`);
          if (rule.pattern.case !== "get" && rule.pattern.case !== "delete" && rule.body !== "*")
            problems.push(`${m.name}: ${rule.pattern.case} without body "*"`);
          if (!path.startsWith("/v1/")) problems.push(`${m.name}: path ${path} not under /v1/`);
        }
        checkRequest(m.input, `${m.name}`, new Set());
      });
    });
    if (file.proto.name.endsWith("_events.proto")) {
      const [, domain] = file.proto.name.split("/");
      file.messages.forEach((msg, mi) => {
        const first = msg.fields.find((f) => f.number === 1);
        if (first?.name !== "meta" || first.message?.typeName !== "atendo.common.v1.EventMeta") {
          // helper types (chunks) live in event files too: only messages with a subject are events
          if (comment(file, [4, mi]).includes("Subject:"))
            problems.push(`${msg.typeName}: field 1 is not meta`);
          return;
        }
        events++;
        const subject = `atendo.${domain}.v1.${snake(msg.name)}`;
        if (!comment(file, [4, mi]).includes(`Subject: \`${subject}\``))
          problems.push(`${msg.typeName}: comment lacks subject ${subject}`);
      });
    }
  }

  return { problems, rpcs, events, fieldsChecked };

  // Every field of a request (and of messages nested in it) has a protovalidate rule, except bools
  // (no invalid value) and message fields (validated by their own rules) and oneof members of a
  // required oneof that are messages.
  function checkRequest(msg: DescMessage, where: string, seen: Set<string>): void {
    if (seen.has(msg.typeName) || msg.typeName.startsWith("google.")) return;
    seen.add(msg.typeName);
    for (const f of msg.fields) {
      fieldsChecked++;
      const isBool = f.fieldKind === "scalar" && f.scalar === 8;
      const isMsg = f.fieldKind === "message";
      if (!isBool && !isMsg && !hasRule(f)) problems.push(`${where}: ${msg.name}.${f.name} has no rule`);
      if (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) {
        const sub = f.message;
        if (sub) checkRequest(sub, where, seen);
      }
    }
  }
  function hasRule(f: DescField): boolean {
    return hasOption(f, fieldRules);
  }
}

describe("contract structure", () => {
  let stats: Stats;

  before(function () {
    this.timeout(60_000);
    const image = fromBinary(FileDescriptorSetSchema, readFileSync(buildImage()));
    const files = [...createFileRegistry(image).files].filter((f) => f.name.startsWith("atendo/"));
    stats = inspect(files);
  });

  it("finds every service, RPC and event", () => {
    assert.ok(stats.rpcs >= 100, `only ${stats.rpcs} RPCs`);
    assert.ok(stats.events >= 30, `only ${stats.events} events`);
    assert.ok(stats.fieldsChecked > 500, `only ${stats.fieldsChecked} request fields`);
  });

  it("has no structural problem", () => {
    assert.deepEqual(stats.problems, []);
  });
});
