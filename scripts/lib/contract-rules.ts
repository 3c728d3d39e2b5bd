// The rules of the public contract (docs/contracts.md, "Naming and shape") checked over any
// registry of descriptors: the generated one in packages/proto/test, synthetic ones in the tests of
// this checker. Each rule returns what breaks it; an empty list means the contract holds.
import { http } from "@atendo/proto/google/api";
import {
  type DescEnum,
  type DescExtension,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
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

const EVENT_OPTION = "atendo.common.v1.event";
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

/** A contract's own extension, looked up by name: a synthetic registry declares its own. */
function extension(registry: Registry, name: string): DescExtension | undefined {
  return registry.getExtension(name);
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
    const internal = isInternalService(service.typeName);
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
          message: `a public RPC without a google.api.http rule: add one, or move it to an internal service (${service.name.replace(/Service$/, "")}InternalService)`,
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

export type EventVisibility = "public" | "internal" | undefined;

/** The `(atendo.common.v1.event).visibility` of an event; undefined when unmarked. */
export function eventVisibility(registry: Registry, event: DescMessage): EventVisibility {
  const ext = extension(registry, EVENT_OPTION);
  if (ext === undefined || ext.fieldKind !== "message" || !hasOption(event, ext)) return undefined;
  const field = ext.message.fields.find((f) => f.name === "visibility");
  if (field?.fieldKind !== "enum") return undefined;
  const options = getOption(event, ext) as unknown as Record<string, unknown>;
  const value = field.enum.value[Number(options[field.localName])]?.name ?? "";
  if (value.endsWith("_PUBLIC")) return "public";
  if (value.endsWith("_INTERNAL")) return "internal";
  return undefined;
}

/** Every event is marked public (subscribers outside may see it) or internal. */
export function checkEventVisibility(registry: Registry): Violation[] {
  const declared = extension(registry, EVENT_OPTION) !== undefined;
  return eventMessages(registry)
    .filter((e) => eventVisibility(registry, e) === undefined)
    .map((e) => ({
      rule: "event-visibility" as const,
      subject: e.typeName,
      message: declared
        ? "not marked: add option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_PUBLIC or _INTERNAL"
        : "not marked: the contract declares no (atendo.common.v1.event) option yet",
    }));
}

/**
 * Whether a public RPC must take a `request_id` (AIP-155): every Create, and every other method
 * that changes something and is not a standard Get/List/Update/Delete, unless exempted (the list
 * says why).
 */
export function needsRequestId(m: DescMethod): boolean {
  if (isInternalService(m.parent.typeName) || REQUEST_ID_EXEMPT.has(nameOf(m))) return false;
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

const domainOf = (typeName: string): string | undefined =>
  /^atendo\.([a-z][a-z0-9_]*)\.v1\./.exec(typeName)?.[1];

const placedAtTop = (e: DescEnum): boolean => /^atendo\.[a-z][a-z0-9_]*\.v1\.ErrorReason$/.test(e.typeName);

/** ErrorReason enums live at `atendo.<domain>.v1.ErrorReason`, and no reason is in two domains. */
export function checkErrorReasonsUnique(registry: Registry): Violation[] {
  const out: Violation[] = [];
  const enums = errorReasonEnums(registry);
  for (const e of enums) {
    if (!placedAtTop(e))
      out.push({
        rule: "error-reason",
        subject: e.typeName,
        message:
          "an ErrorReason enum lives at the top of its domain's package: atendo.<domain>.v1.ErrorReason",
      });
  }
  const seen = new Map<string, string>();
  for (const e of enums) {
    for (const v of e.values) {
      if (v.number === 0) continue;
      const reason = reasonOf(v.name);
      const first = seen.get(reason);
      if (first !== undefined)
        out.push({
          rule: "error-reason",
          subject: `${e.typeName}.${v.name}`,
          message: `reason ${reason} is already ${first}: reasons are unique across domains`,
        });
      else seen.set(reason, `${e.typeName}.${v.name}`);
    }
  }
  return out;
}

/** Every domain that serves RPCs has its `atendo.<domain>.v1.ErrorReason`. */
export function checkErrorReasonPerDomain(registry: Registry): Violation[] {
  const domains = new Set(
    errorReasonEnums(registry)
      .filter(placedAtTop)
      .map((e) => domainOf(e.typeName)),
  );
  const served = new Set(atendoServices(registry).map((s: DescService) => domainOf(s.typeName)));
  return [...served]
    .filter((d) => !domains.has(d))
    .map((d) => ({
      rule: "error-reason" as const,
      subject: `atendo.${d}.v1`,
      message: "the domain has no ErrorReason enum",
    }));
}

export function checkErrorReasons(registry: Registry): Violation[] {
  return [...checkErrorReasonsUnique(registry), ...checkErrorReasonPerDomain(registry)];
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
