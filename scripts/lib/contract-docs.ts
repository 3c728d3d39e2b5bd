// The tables of docs/contracts.md (services with their RPCs, events) and docs/errors.md (error
// reasons), written from an image of the contracts: the descriptors say what exists, their comments
// what it means.

import { code as reasonCode } from "@atendo/proto/common/v1";
import { Code } from "@atendo/proto/google/rpc";
import type {
  DescEnum,
  DescEnumValue,
  DescMessage,
  DescMethod,
  DescService,
  FileRegistry,
} from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { errorReasonEnums, eventMessages, eventVisibility, reasonOf } from "./contract-rules.js";
import { atendoServices, type RpcInfo, rpcCatalog } from "./rpc-catalog.js";

type Commented = DescService | DescMethod | DescMessage | DescEnum | DescEnumValue;

/** Path of a top-level element in its file's source info (descriptor.proto field numbers). */
function sourcePath(d: Commented): number[] | undefined {
  switch (d.kind) {
    case "service":
      return [6, d.file.services.indexOf(d)];
    case "rpc": {
      const s = sourcePath(d.parent);
      return s && [...s, 2, d.parent.methods.indexOf(d)];
    }
    case "message":
      return d.parent === undefined ? [4, d.file.messages.indexOf(d)] : undefined;
    case "enum":
      return d.parent === undefined ? [5, d.file.enums.indexOf(d)] : undefined;
    case "enum_value": {
      const e = sourcePath(d.parent);
      return e && [...e, 2, d.parent.values.indexOf(d)];
    }
  }
}

function fileOf(d: Commented) {
  return d.kind === "rpc" ? d.parent.file : d.kind === "enum_value" ? d.parent.file : d.file;
}

/** The leading comment of an element, as one line. */
export function commentOf(d: Commented): string {
  const path = sourcePath(d);
  if (!path) return "";
  const loc = fileOf(d).proto.sourceCodeInfo?.location.find(
    (l) => l.path.length === path.length && l.path.every((v, i) => v === path[i]),
  );
  return (loc?.leadingComments ?? "").replace(/\s+/g, " ").trim();
}

/** `|` would end a table cell. */
const cell = (s: string): string => s.replace(/\|/g, "\\|");

const snake = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();

function kindNote(r: RpcInfo): string {
  if (r.methodKind === "server_streaming") return " (server stream)";
  if (r.methodKind === "client_streaming") return " (client stream)";
  if (r.methodKind === "bidi_streaming") return " (bidi stream)";
  return "";
}

export function servicesMarkdown(image: FileRegistry, implemented: ReadonlySet<string>): string {
  const catalog = rpcCatalog(image);
  const total = catalog.length;
  const done = catalog.filter((r) => implemented.has(r.path)).length;
  const out: string[] = [
    `${total} RPCs in ${atendoServices(image).length} services; ${done} implemented. An RPC is implemented when its`,
    "service's server hands it a handler; the others are routed and answer `unimplemented` past their",
    "policy. Internal services are called by other services only: the edge never routes them.",
    "",
  ];
  for (const service of atendoServices(image)) {
    const rpcs = catalog.filter((r) => r.service === service.typeName);
    const internal = rpcs[0]?.internalService ?? false;
    out.push(`### ${service.typeName}${internal ? " (internal)" : ""}`, "");
    const about = commentOf(service);
    if (about) out.push(about, "");
    out.push("| RPC | REST | implemented |", "| --- | --- | --- |");
    for (const r of rpcs) {
      const rest = r.rest ? `\`${r.rest}\`` : internal ? "internal" : "not routed";
      out.push(`| ${r.method}${kindNote(r)} | ${cell(rest)} | ${implemented.has(r.path) ? "yes" : "no"} |`);
    }
    out.push("");
  }
  return `${out.join("\n")}`;
}

/** `MessageStored: a message was stored ... Subject: ...` -> `a message was stored ...` */
function eventSummary(msg: DescMessage): string {
  return commentOf(msg)
    .replace(new RegExp(`^${msg.name}:\\s*`), "")
    .replace(/\s*Subject: `[^`]*`\.?/, "")
    .trim();
}

export function eventsMarkdown(image: FileRegistry): string {
  const out = ["| subject | published by | visibility | what happened |", "| --- | --- | --- | --- |"];
  for (const e of eventMessages(image)) {
    const domain = e.typeName.split(".")[1] ?? "";
    const subject = `atendo.${domain}.v1.${snake(e.name)}`;
    const visibility = eventVisibility(e) ?? "not marked";
    out.push(`| \`${subject}\` | ${domain} | ${visibility} | ${cell(eventSummary(e))} |`);
  }
  return `${out.join("\n")}\n`;
}

/** `RESOURCE_EXHAUSTED` -> `resource_exhausted`, as Connect and the REST error body name it. */
function codeName(v: DescEnumValue): string {
  if (!hasOption(v, reasonCode)) return "";
  const code = getOption(v, reasonCode);
  return code === Code.OK ? "" : (Code[code] ?? "").toLowerCase();
}

export function errorsMarkdown(image: FileRegistry): string {
  const rows: string[] = [];
  for (const e of errorReasonEnums(image)) {
    const domain = e.typeName.replace(/\.ErrorReason$/, "");
    for (const v of e.values) {
      if (v.number === 0) continue;
      const code = codeName(v);
      rows.push(
        `| \`${reasonOf(v.name)}\` | ${domain} | ${code ? `\`${code}\`` : "?"} | ${cell(commentOf(v))} |`,
      );
    }
  }
  if (rows.length === 0) return "No ErrorReason enum in the contracts yet.\n";
  return `${["| reason | domain | code | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n")}\n`;
}
