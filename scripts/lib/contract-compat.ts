// What `buf breaking` does not see, checked between the baseline of v1 and the current contract:
// a REST binding (google.api.http) of the baseline cannot disappear or change, and a protovalidate
// rule cannot become stricter on a field that already existed (a request valid yesterday stays
// valid), nor can a field added to an existing message refuse its absence.

import { http } from "@atendo/proto/google/api";
import {
  create,
  type DescField,
  type DescMessage,
  type DescMethod,
  equals,
  getOption,
  hasOption,
  isFieldSet,
  type Message,
  type Registry,
} from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import {
  FieldRulesSchema,
  field as fieldRulesExt,
  MessageRulesSchema,
  message as messageRulesExt,
  OneofRulesSchema,
  oneof as oneofRulesExt,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import type { HttpRule } from "../../packages/proto/src/gen/google/api/http_pb.js";

export type CompatRule = "rest-binding" | "validation";

export interface CompatViolation {
  rule: CompatRule;
  subject: string;
  message: string;
}

export const formatCompatViolation = (v: CompatViolation): string => `${v.rule}: ${v.subject}: ${v.message}`;

const atendo = (typeName: string): boolean => typeName.startsWith("atendo.");

function methods(registry: Registry): Map<string, DescMethod> {
  const out = new Map<string, DescMethod>();
  for (const t of registry) {
    if (t.kind !== "service" || !atendo(t.typeName)) continue;
    for (const m of t.methods) out.set(`${t.typeName}.${m.name}`, m);
  }
  return out;
}

function messages(registry: Registry): Map<string, DescMessage> {
  const out = new Map<string, DescMessage>();
  for (const t of registry) if (t.kind === "message" && atendo(t.typeName)) out.set(t.typeName, t);
  return out;
}

/** `POST /v1/x body=* response_body=`: one binding as REST clients meet it. */
function bindings(m: DescMethod): string[] {
  if (!hasOption(m, http)) return [];
  const one = (rule: HttpRule): string => {
    const { case: verb, value } = rule.pattern;
    const target =
      verb === undefined
        ? ""
        : verb === "custom"
          ? `${value.kind} ${value.path}`
          : `${verb.toUpperCase()} ${value}`;
    return `${target} body=${rule.body} response_body=${rule.responseBody}`;
  };
  const rule = getOption(m, http);
  return [one(rule), ...rule.additionalBindings.map(one)];
}

export function checkRestBindings(baseline: Registry, current: Registry): CompatViolation[] {
  const out: CompatViolation[] = [];
  const now = methods(current);
  for (const [name, was] of methods(baseline)) {
    const before = bindings(was);
    if (before.length === 0) continue;
    const m = now.get(name);
    const after = m ? bindings(m) : [];
    const add = (message: string) => out.push({ rule: "rest-binding", subject: name, message });
    if (m === undefined) add(`removed, and with it ${before.join("; ")}`);
    else if (after[0] !== before[0]) add(`REST binding changed: ${before[0]} -> ${after[0] ?? "none"}`);
    for (const b of before.slice(1)) if (!after.includes(b)) add(`additional binding removed: ${b}`);
  }
  return out;
}

// ---- validation rules ----

type Ordered = number | bigint;

/** Numbers, bigints, Durations and Timestamps as one comparable value. */
function ordered(v: unknown): Ordered {
  if (typeof v === "number" || typeof v === "bigint") return v;
  const t = v as { seconds?: bigint; nanos?: number };
  return (t.seconds ?? 0n) * 1_000_000_000n + BigInt(t.nanos ?? 0);
}

function compare(a: Ordered, b: Ordered): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

function show(v: unknown): string {
  return JSON.stringify(v, (k, x) =>
    k === "$typeName"
      ? undefined
      : typeof x === "bigint"
        ? x.toString()
        : x instanceof Uint8Array
          ? [...x]
          : x,
  );
}

function fieldValue(msg: Message, f: DescField): unknown {
  const rec = msg as unknown as Record<string, unknown>;
  if (f.oneof) {
    const o = rec[f.oneof.localName] as { case?: string; value?: unknown };
    return o.case === f.localName ? o.value : undefined;
  }
  return rec[f.localName];
}

function isSet(msg: Message | undefined, f: DescField): boolean {
  return msg !== undefined && isFieldSet(msg, f);
}

interface Bound {
  value: Ordered;
  inclusive: boolean;
}

function bound(
  msg: Message | undefined,
  desc: DescMessage,
  exclusive: string,
  inclusive: string,
): Bound | undefined {
  for (const [name, incl] of [
    [exclusive, false],
    [inclusive, true],
  ] as const) {
    const f = desc.fields.find((x) => x.name === name);
    if (f && msg && isSet(msg, f)) return { value: ordered(fieldValue(msg, f)), inclusive: incl };
  }
  return undefined;
}

/** Whether the bound `cur` accepts less than `old` (upper: dir -1, lower: dir 1). */
function tighterBound(old: Bound | undefined, cur: Bound | undefined, dir: 1 | -1): boolean {
  if (cur === undefined) return false;
  if (old === undefined) return true;
  const c = compare(cur.value, old.value) * dir;
  return c > 0 || (c === 0 && old.inclusive && !cur.inclusive);
}

const keyOf = (v: unknown): string => show(v);

/**
 * Appends to `out` every way the rules `cur` accept less than `old` (rules messages of
 * buf.validate: FieldRules, StringRules, MessageRules, ...). Unknown rules count as stricter
 * whenever they are added or changed: the check errs on the side of the client.
 */
function tighterRules(
  desc: DescMessage,
  old: Message | undefined,
  cur: Message | undefined,
  path: string,
  out: string[],
): void {
  if (cur === undefined) return;
  const has = (name: string) => desc.fields.some((f) => f.name === name);
  if (has("lt") && has("lte")) {
    const [o, c] = [bound(old, desc, "lt", "lte"), bound(cur, desc, "lt", "lte")];
    if (tighterBound(o, c, -1)) out.push(`${path} upper bound ${show(o ?? "none")} -> ${show(c)}`);
  }
  if (has("gt") && has("gte")) {
    const [o, c] = [bound(old, desc, "gt", "gte"), bound(cur, desc, "gt", "gte")];
    if (tighterBound(o, c, 1)) out.push(`${path} lower bound ${show(o ?? "none")} -> ${show(c)}`);
  }
  for (const f of desc.fields) {
    const name = f.name;
    if (["lt", "lte", "gt", "gte", "example"].includes(name)) continue;
    const at = `${path}.${name}`;
    const curSet = isSet(cur, f);
    const oldSet = isSet(old, f);
    const curV = curSet ? fieldValue(cur, f) : undefined;
    const oldV = oldSet && old ? fieldValue(old, f) : undefined;
    if (
      f.fieldKind === "message" &&
      f.message.typeName.startsWith("buf.validate.") &&
      f.message.typeName.endsWith("Rules")
    ) {
      if (curSet) tighterRules(f.message, oldSet ? (oldV as Message) : undefined, curV as Message, at, out);
      continue;
    }
    if (name === "ignore") {
      // IGNORE_ALWAYS (3) > IGNORE_IF_ZERO_VALUE (1) > IGNORE_UNSPECIFIED (0, unset): lower checks more.
      if (Number(curV ?? 0) < Number(oldV ?? 0)) out.push(`${at} ${show(oldV)} -> ${show(curV ?? 0)}`);
      continue;
    }
    if (!curSet) continue;
    if (f.fieldKind === "list") {
      const oldList = ((oldV as unknown[] | undefined) ?? []).map((x) => keyOf(x));
      const curList = (curV as unknown[]).map((x) => keyOf(x));
      if (name === "in") {
        // `in` accepts only what it lists: fewer entries accept less.
        if (oldList.length === 0 || oldList.some((x) => !curList.includes(x)))
          out.push(`${at} ${show(oldList)} -> ${show(curList)}`);
      } else if (curList.some((x) => !oldList.includes(x))) {
        // not_in, cel, cel_expression, oneof rules: every new entry refuses something more.
        out.push(`${at} adds ${curList.filter((x) => !oldList.includes(x)).join(", ")}`);
      }
      continue;
    }
    if (name.startsWith("min_")) {
      if (!oldSet || compare(ordered(curV), ordered(oldV)) > 0)
        out.push(`${at} ${show(oldV ?? "none")} -> ${show(curV)}`);
      continue;
    }
    if (name.startsWith("max_")) {
      if (!oldSet || compare(ordered(curV), ordered(oldV)) < 0)
        out.push(`${at} ${show(oldV ?? "none")} -> ${show(curV)}`);
      continue;
    }
    if (f.fieldKind === "scalar" && typeof curV === "boolean") {
      // Every boolean rule (required, defined_only, unique, email, uuid, ...) refuses when true.
      if (curV && oldV !== true) out.push(`${at} ${show(oldV ?? false)} -> true`);
      continue;
    }
    const same =
      oldSet &&
      (f.fieldKind === "message"
        ? equals(f.message, oldV as Message, curV as Message)
        : keyOf(oldV) === keyOf(curV));
    if (!same) out.push(`${at} ${show(oldV ?? "none")} -> ${show(curV)}`);
  }
}

function rulesOf<T extends Message>(
  element: Parameters<typeof hasOption>[0],
  ext: Parameters<typeof getOption>[1],
): T | undefined {
  return hasOption(element, ext) ? (getOption(element, ext) as T) : undefined;
}

export function checkValidationRules(baseline: Registry, current: Registry): CompatViolation[] {
  const out: CompatViolation[] = [];
  const validator = createValidator();
  const now = messages(current);
  for (const [name, was] of messages(baseline)) {
    const msg = now.get(name);
    if (msg === undefined) continue; // removed: buf breaking reports it
    const found: string[] = [];
    tighterRules(
      MessageRulesSchema,
      rulesOf(was, messageRulesExt),
      rulesOf(msg, messageRulesExt),
      "(buf.validate.message)",
      found,
    );
    for (const oneof of msg.oneofs) {
      const before = was.oneofs.find((o) => o.name === oneof.name);
      tighterRules(
        OneofRulesSchema,
        before ? rulesOf(before, oneofRulesExt) : undefined,
        rulesOf(oneof, oneofRulesExt),
        `oneof ${oneof.name}: (buf.validate.oneof)`,
        found,
      );
    }
    const added: DescField[] = [];
    for (const f of msg.fields) {
      const before = was.fields.find((x) => x.number === f.number);
      if (before === undefined) {
        added.push(f);
        continue;
      }
      if (before.name !== f.name) continue; // renamed: buf breaking reports it
      tighterRules(
        FieldRulesSchema,
        rulesOf(before, fieldRulesExt),
        rulesOf(f, fieldRulesExt),
        `${f.name}: (buf.validate.field)`,
        found,
      );
    }
    if (added.length > 0) {
      // A field added to an existing message must accept its absence: old clients never send it.
      const res = validator.validate(msg, create(msg));
      if (res.kind === "invalid") {
        for (const f of added) {
          const v = res.violations.find((x) => {
            const first = x.field[0];
            return first?.kind === "field" && first.number === f.number;
          });
          if (v) found.push(`new field ${f.name} refuses its absence: ${v.message}`);
        }
      }
    }
    for (const message of found)
      out.push({ rule: "validation", subject: name, message: `stricter: ${message}` });
  }
  return out;
}

export function checkCompatibility(baseline: Registry, current: Registry): CompatViolation[] {
  return [...checkRestBindings(baseline, current), ...checkValidationRules(baseline, current)];
}
