// The rules of the public contract (docs/contracts.md, "Naming and shape") checked over any
// registry of descriptors: the generated one in packages/proto/test, synthetic ones in the tests of
// this checker. Each rule returns what breaks it; an empty list means the contract holds.
import { EventVisibility, event as eventOptions, code as reasonCode } from "@atendo/proto/common/v1";
import { http } from "@atendo/proto/google/api";
import { Code } from "@atendo/proto/google/rpc";
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescMethod,
  getOption,
  hasOption,
  type Registry,
  ScalarType,
} from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { REQUEST_ID_EXEMPT } from "./request-id-exemptions.js";
import { atendoServices, isInternalService } from "./rpc-catalog.js";

export type ContractRule =
  | "pagination"
  | "internal-unrouted"
  | "public-routed"
  | "event-visibility"
  | "request-id"
  | "error-reason";

export interface Violation {
  rule: ContractRule;
  /** The element at fault: `atendo.tenant.v1.TenantService.ListTenants`. */
  subject: string;
  message: string;
}

export const formatViolation = (v: Violation): string => `${v.rule}: ${v.subject}: ${v.message}`;

const EVENT_META = "atendo.common.v1.EventMeta";
const PAGE_FIELDS = new Set(["page_size", "page_token", "next_page_token"]);
const STANDARD_PREFIXES = ["Get", "List", "Update", "Delete"];

const nameOf = (m: DescMethod): string => `${m.parent.typeName}.${m.name}`;
const startsWithVerb = (name: string, verb: string): boolean =>
  name.startsWith(verb) && /^[A-Z]/.test(name.slice(verb.length));

function scalarField(msg: DescMessage, name: string, scalar: ScalarType): boolean {
  const f = msg.fields.find((x) => x.name === name);
  return f?.fieldKind === "scalar" && f.scalar === scalar;
}

/** Message-typed fields (singular, repeated or map values) of a message. */
function messageFields(msg: DescMessage): Array<{ field: DescField; type: DescMessage }> {
  const out: Array<{ field: DescField; type: DescMessage }> = [];
  for (const field of msg.fields) {
    if (field.fieldKind === "message") out.push({ field, type: field.message });
    else if (field.fieldKind === "list" && field.listKind === "message")
      out.push({ field, type: field.message });
    else if (field.fieldKind === "map" && field.mapKind === "message")
      out.push({ field, type: field.message });
  }
  return out;
}

/** AIP-158: top-level `int32 page_size`, `string page_token` in, `string next_page_token` out. */
export function checkPagination(registry: Registry): Violation[] {
  const out: Violation[] = [];
  for (const service of atendoServices(registry)) {
    for (const m of service.methods) {
      if (!startsWithVerb(m.name, "List")) continue;
      const add = (message: string) => out.push({ rule: "pagination", subject: nameOf(m), message });
      if (!scalarField(m.input, "page_size", ScalarType.INT32))
        add(`${m.input.name} lacks a top-level int32 page_size`);
      if (!scalarField(m.input, "page_token", ScalarType.STRING))
        add(`${m.input.name} lacks a top-level string page_token`);
      if (!scalarField(m.output, "next_page_token", ScalarType.STRING))
        add(`${m.output.name} lacks a top-level string next_page_token`);
      for (const msg of [m.input, m.output]) {
        for (const { field, type } of messageFields(msg)) {
          if (type.fields.some((f) => PAGE_FIELDS.has(f.name)))
            add(`${msg.name}.${field.name} nests page fields in ${type.typeName}: keep them top-level`);
        }
      }
    }
  }
  return out;
}

/** Internal services have no REST rule; every RPC of a public service has one. */
export function checkRouting(registry: Registry): Violation[] {
  const out: Violation[] = [];
  for (const service of atendoServices(registry)) {
    const internal = isInternalService(service);
    for (const m of service.methods) {
      const routed = hasOption(m, http);
      if (internal && routed)
        out.push({
          rule: "internal-unrouted",
          subject: nameOf(m),
          message: "an internal service's RPC has a google.api.http rule",
        });
      if (!internal && !routed)
        out.push({
          rule: "public-routed",
          subject: nameOf(m),
          message:
            "a public RPC without a google.api.http rule: add one, or move it to a service marked (atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL",
        });
    }
  }
  return out;
}

/** Messages whose field 1 is `atendo.common.v1.EventMeta meta`: the events. */
export function eventMessages(registry: Registry): DescMessage[] {
  const out: DescMessage[] = [];
  for (const t of registry) {
    if (t.kind !== "message" || !t.typeName.startsWith("atendo.")) continue;
    const first = t.fields.find((f) => f.number === 1);
    if (first?.name === "meta" && first.message?.typeName === EVENT_META) out.push(t);
  }
  return out.sort((a, b) => a.typeName.localeCompare(b.typeName));
}

export type Visibility = "public" | "internal" | undefined;

/** The `(atendo.common.v1.event).visibility` of an event; undefined when unmarked. */
export function eventVisibility(event: DescMessage): Visibility {
  if (!hasOption(event, eventOptions)) return undefined;
  const { visibility } = getOption(event, eventOptions);
  if (visibility === EventVisibility.PUBLIC) return "public";
  if (visibility === EventVisibility.INTERNAL) return "internal";
  return undefined;
}

/** Every event is marked public (subscribers outside may see it) or internal. */
export function checkEventVisibility(registry: Registry): Violation[] {
  return eventMessages(registry)
    .filter((e) => eventVisibility(e) === undefined)
    .map((e) => ({
      rule: "event-visibility" as const,
      subject: e.typeName,
      message:
        "not marked: add option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_PUBLIC or _INTERNAL",
    }));
}

/**
 * Whether a public RPC must take a `request_id` (AIP-155): every Create, and every other method
 * that changes something and is not a standard Get/List/Update/Delete, unless exempted (the list
 * says why).
 */
export function needsRequestId(m: DescMethod): boolean {
  if (isInternalService(m.parent) || REQUEST_ID_EXEMPT.has(nameOf(m))) return false;
  if (startsWithVerb(m.name, "Create")) return true;
  if (m.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return false;
  return !STANDARD_PREFIXES.some((p) => startsWithVerb(m.name, p));
}

function hasRequestId(m: DescMethod): boolean {
  if (scalarField(m.input, "request_id", ScalarType.STRING)) return true;
  // A client stream carries it in its first (metadata) message.
  if (m.methodKind !== "client_streaming" && m.methodKind !== "bidi_streaming") return false;
  return m.input.oneofs.some((o) =>
    o.fields.some((f) => f.message !== undefined && scalarField(f.message, "request_id", ScalarType.STRING)),
  );
}

export function checkRequestIds(registry: Registry): Violation[] {
  const out: Violation[] = [];
  for (const service of atendoServices(registry)) {
    for (const m of service.methods) {
      if (needsRequestId(m) && !hasRequestId(m))
        out.push({
          rule: "request-id",
          subject: nameOf(m),
          message: `${m.input.name} lacks a top-level string request_id (clients retry it)`,
        });
    }
  }
  return out;
}

/** The `ErrorReason` enums of the contract, by domain. */
export function errorReasonEnums(registry: Registry): DescEnum[] {
  const out: DescEnum[] = [];
  for (const t of registry) if (t.kind === "enum" && t.name === "ErrorReason") out.push(t);
  return out.sort((a, b) => a.typeName.localeCompare(b.typeName));
}

/** `ERROR_REASON_PLAN_LIMIT_REACHED` -> `PLAN_LIMIT_REACHED`: the reason an ErrorInfo carries. */
export function reasonOf(valueName: string): string {
  return valueName.replace(/^ERROR_REASON_/, "");
}

const placedAtTop = (e: DescEnum): boolean => /^atendo\.[a-z][a-z0-9_]*\.v1\.ErrorReason$/.test(e.typeName);

/**
 * ErrorReason enums live at `atendo.<domain>.v1.ErrorReason` (common's for reasons any service
 * gives), each reason names its status code with `(atendo.common.v1.code)`, and no reason is in two
 * enums: a client branches on it.
 */
export function checkErrorReasons(registry: Registry): Violation[] {
  const out: Violation[] = [];
  const enums = errorReasonEnums(registry);
  const seen = new Map<string, string>();
  for (const e of enums) {
    const add = (subject: string, message: string) => out.push({ rule: "error-reason", subject, message });
    if (!placedAtTop(e))
      add(
        e.typeName,
        "an ErrorReason enum lives at the top of its domain's package: atendo.<domain>.v1.ErrorReason",
      );
    for (const v of e.values) {
      if (v.number === 0) continue;
      const name = `${e.typeName}.${v.name}`;
      if (!hasOption(v, reasonCode) || getOption(v, reasonCode) === Code.OK)
        add(name, "names no status code: add [(atendo.common.v1.code) = <CODE>]");
      const reason = reasonOf(v.name);
      const first = seen.get(reason);
      if (first !== undefined)
        add(name, `reason ${reason} is already ${first}: reasons are unique across domains`);
      else seen.set(reason, name);
    }
  }
  return out;
}

export function checkContractRules(registry: Registry): Violation[] {
  return [
    ...checkPagination(registry),
    ...checkRouting(registry),
    ...checkEventVisibility(registry),
    ...checkRequestIds(registry),
    ...checkErrorReasons(registry),
  ];
}
