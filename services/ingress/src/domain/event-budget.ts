import {
  type DescField,
  type DescMessage,
  getOption,
  hasOption,
  type MessageShape,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { type ReflectList, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { field as fieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

/** A field cut short (atendo.ingress.v1.ClippedField). */
export interface Clip {
  path: string;
  /** Size before the cut: UTF-8 bytes of a string, encoded bytes of a list; 0 when unknown. */
  originalBytes: number;
}

/** Raised when even the cut event exceeds the budget (a budget far too small for any event). */
export class EventTooLargeError extends Error {}

// Strings are not cut below this while fitting the budget: an id or a name stays readable.
const MIN_KEPT_BYTES = 256;
// Room left for the `clipped` entries the caller adds after fitting.
const CLIP_ENTRY_ROOM = 1024;

interface StringLeaf {
  path: string;
  get(): string;
  set(value: string): void;
  /** The contract's max_len (characters), when it has one. */
  maxLen: number | undefined;
}

/** A list that is not inside another list's items (those shrink with their enclosing list). */
interface ListNode {
  path: string;
  list: ReflectList;
  /** Encoded size of each item, measured once (then kept as items are dropped). */
  sizes?: number[];
}

/**
 * Fits an event within the contract and the bus: every string longer than its protovalidate
 * `max_len` is cut to it (a 1.2 MB text to TextContent's 4096 characters); then, while the encoded
 * event is over `maxBytes`, the largest strings are cut (never below 256 bytes), then the largest
 * lists lose their last items (lists inside list items shrink with them). Mutates `event` and
 * returns what was cut, for its `clipped` field. Cheap for ordinary events (a walk of the plain
 * message and one encoding); only an oversized one pays for measuring its parts.
 */
export function fitEvent<S extends DescMessage>(schema: S, event: MessageShape<S>, maxBytes: number): Clip[] {
  const budget = maxBytes - CLIP_ENTRY_ROOM;
  // Every webhook's events come here: the reflection below costs more than the rest of the mapping.
  if (!overMaxLen(schema, event)) {
    const bytes = toBinary(schema, event);
    if (bytes.byteLength <= budget) {
      // Kept for the publisher (encodedEvent): an event is encoded once on its way to the bus.
      fitted.set(event, { schema, bytes, clipped: clippedCount(event) });
      return [];
    }
  }
  const strings: StringLeaf[] = [];
  const lists: ListNode[] = [];
  const maxLens = new Map<DescField, number | undefined>();
  const maxLenOf = (field: DescField) => {
    if (!maxLens.has(field)) maxLens.set(field, readMaxLen(field));
    return maxLens.get(field);
  };
  collect(reflect(schema, event), "", { strings, lists, maxLenOf });
  const clips = new Map<string, Clip>();
  const record = (path: string, originalBytes: number) => {
    if (!clips.has(path)) clips.set(path, { path, originalBytes });
  };

  for (const leaf of strings) {
    const value = leaf.get();
    if (leaf.maxLen === undefined || value.length <= leaf.maxLen) continue; // code points <= units
    const cut = clipCodePoints(value, leaf.maxLen);
    if (cut.length === value.length) continue;
    record(leaf.path, Buffer.byteLength(value, "utf8"));
    leaf.set(cut);
  }

  let size = toBinary(schema, event).byteLength;
  while (size > budget) {
    const largest = largestString(strings);
    if (largest === undefined) break;
    const value = largest.leaf.get();
    const keep = Math.max(MIN_KEPT_BYTES, largest.bytes - (size - budget));
    record(largest.leaf.path, largest.bytes);
    largest.leaf.set(clipUtf8(value, keep));
    size = toBinary(schema, event).byteLength;
  }
  while (size > budget) {
    const largest = largestList(lists);
    if (largest === undefined) break;
    const { node, bytes } = largest;
    record(node.path, bytes);
    // Keep the longest head of the list that leaves out at least the overflow.
    const sizes = node.sizes ?? [];
    const room = bytes - (size - budget);
    let keep = 0;
    let kept = 0;
    while (keep < sizes.length - 1 && kept + (sizes[keep] ?? 0) <= room) kept += sizes[keep++] ?? 0;
    truncate(node.list, keep);
    node.sizes = sizes.slice(0, keep);
    size = toBinary(schema, event).byteLength;
  }
  if (size > budget) throw new EventTooLargeError(`the event needs ${size} bytes even when cut`);
  return [...clips.values()];
}

interface Fitted {
  schema: DescMessage;
  bytes: Uint8Array;
  /** Entries of the event's `clipped` list when it was encoded. */
  clipped: number;
}

// The encoding of each event that fitted without a cut, until the event is collected.
const fitted = new WeakMap<object, Fitted>();

/** The length of an event's `clipped` list (0 for a type without one). */
function clippedCount(event: object): number {
  const clipped = (event as { clipped?: unknown }).clipped;
  return Array.isArray(clipped) ? clipped.length : 0;
}

/**
 * The event's bytes, encoded once: those fitEvent measured when nothing had to be cut, else a fresh
 * encoding. After fitEvent the mappings only ever add `clipped` entries (earlier cuts of the
 * mapping); an event whose list grew since is encoded again. Any other change after fitEvent would
 * not be seen: events are final once fitted.
 */
export function encodedEvent<S extends DescMessage>(schema: S, event: MessageShape<S>): Uint8Array {
  const known = fitted.get(event);
  if (known !== undefined && known.schema === schema && known.clipped === clippedCount(event)) {
    return known.bytes;
  }
  return toBinary(schema, event);
}

/** True when a value holds a string longer than its max_len. */
type Check = (value: unknown) => boolean;

// One check per message type, built once per process from its descriptor (descriptors never
// change); null when nothing inside the type has a max_len.
const checks = new WeakMap<DescMessage, Check | null>();

/**
 * Whether a string of the message is longer than its max_len, read from the plain message (no
 * reflection, nothing allocated, only the fields that have a max_len somewhere below). Lengths in
 * UTF-16 units: never fewer than code points, so a string within the limit this way is within it.
 */
function overMaxLen(desc: DescMessage, message: object): boolean {
  const check = checkOf(desc);
  return check?.(message) === true;
}

function checkOf(desc: DescMessage): Check | null {
  const known = checks.get(desc);
  if (known !== undefined) return known;
  // A type that contains itself reaches this entry while its check is being built.
  let built: Check | null = null;
  checks.set(desc, (value) => built?.(value) === true);
  const parts: Check[] = [];
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const cases = new Map<string, Check>();
      for (const field of member.fields) {
        const check = fieldCheck(field);
        if (check !== null) cases.set(field.localName, check);
      }
      if (cases.size === 0) continue;
      const name = member.localName;
      parts.push((message) => {
        const selected = (message as Record<string, { case?: string; value?: unknown } | undefined>)[name];
        const check = selected?.case === undefined ? undefined : cases.get(selected.case);
        return check?.(selected?.value) === true;
      });
    } else {
      const check = fieldCheck(member);
      const name = member.localName;
      if (check !== null) parts.push((message) => check((message as Record<string, unknown>)[name]));
    }
  }
  built = parts.length === 0 ? null : (message) => parts.some((part) => part(message));
  checks.set(desc, built);
  return built;
}

function fieldCheck(field: DescField): Check | null {
  const maxLen = readMaxLen(field);
  const tooLong: Check = (v) => typeof v === "string" && maxLen !== undefined && v.length > maxLen;
  const isObject = (v: unknown): v is object => typeof v === "object" && v !== null;
  switch (field.fieldKind) {
    case "scalar":
      return field.scalar === ScalarType.STRING && maxLen !== undefined ? tooLong : null;
    case "message": {
      // A wrapper type's field holds its plain value, not an object: nothing with a max_len inside.
      const inner = checkOf(field.message);
      return inner === null ? null : (v) => isObject(v) && inner(v);
    }
    case "list": {
      if (field.listKind === "message") {
        const inner = checkOf(field.message);
        return inner === null
          ? null
          : (v) => Array.isArray(v) && v.some((item) => isObject(item) && inner(item));
      }
      const strings =
        field.listKind === "scalar" && field.scalar === ScalarType.STRING && maxLen !== undefined;
      return strings ? (v) => Array.isArray(v) && v.some(tooLong) : null;
    }
    default:
      return null; // enums, maps: bounded or unused by events (as in collect)
  }
}

interface Collected {
  strings: StringLeaf[];
  lists: ListNode[];
  /** Rules read once per field for the whole event (a list repeats its items' fields). */
  maxLenOf(field: DescField): number | undefined;
}

function collect(message: ReflectMessage, prefix: string, into: Collected, inList = false): void {
  const { strings, lists, maxLenOf } = into;
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const path = prefix === "" ? field.name : `${prefix}.${field.name}`;
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING) {
          strings.push({
            path,
            get: () => message.get(field) as string,
            set: (v) => message.set(field, v),
            maxLen: maxLenOf(field),
          });
        }
        break;
      case "message":
        collect(message.get(field), path, into, inList);
        break;
      case "list": {
        const list = message.get(field);
        if (!inList) lists.push({ path, list });
        for (let i = 0; i < list.size; i++) {
          const item = list.get(i);
          if (field.listKind === "message") collect(item as ReflectMessage, path, into, true);
          else if (field.listKind === "scalar" && field.scalar === ScalarType.STRING) {
            strings.push({
              path,
              get: () => list.get(i) as string,
              set: (v) => list.set(i, v),
              maxLen: maxLenOf(field),
            });
          }
        }
        break;
      }
      default:
        break; // enums, maps: bounded or unused by events
    }
  }
}

/** protovalidate's `string.max_len` of a field (or of a repeated field's items). */
function readMaxLen(field: DescField): number | undefined {
  if (!hasOption(field, fieldRules)) return undefined;
  const rules = getOption(field, fieldRules);
  let type = rules.type;
  if (type.case === "repeated") type = type.value.items?.type ?? { case: undefined };
  if (type.case !== "string" || type.value.maxLen === undefined) return undefined;
  return Number(type.value.maxLen);
}

function largestString(strings: StringLeaf[]): { leaf: StringLeaf; bytes: number } | undefined {
  let best: { leaf: StringLeaf; bytes: number } | undefined;
  for (const leaf of strings) {
    const bytes = Buffer.byteLength(leaf.get(), "utf8");
    if (bytes > MIN_KEPT_BYTES && (best === undefined || bytes > best.bytes)) best = { leaf, bytes };
  }
  return best;
}

function largestList(lists: ListNode[]): { node: ListNode; bytes: number } | undefined {
  let best: { node: ListNode; bytes: number } | undefined;
  for (const node of lists) {
    if (node.list.size === 0) continue;
    node.sizes ??= [...node.list].map(itemBytes);
    const bytes = node.sizes.reduce((sum, n) => sum + n, 0);
    if (best === undefined || bytes > best.bytes) best = { node, bytes };
  }
  return best;
}

function itemBytes(item: unknown): number {
  if (typeof item === "string") return Buffer.byteLength(item, "utf8") + 2;
  if (isReflectMessage(item)) return toBinary(item.desc, item.message).byteLength + 3;
  return 8;
}

function truncate(list: ReflectList, keep: number): void {
  const kept = [...list].slice(0, keep);
  list.clear();
  for (const item of kept) list.add(item);
}

function isReflectMessage(value: unknown): value is ReflectMessage {
  return typeof value === "object" && value !== null && "desc" in value && "message" in value;
}

/** The first `max` code points of a string (a surrogate pair counts once and is never split). */
export function clipCodePoints(value: string, max: number): string {
  let units = 0;
  for (let points = 0; points < max && units < value.length; points++) {
    const high = value.charCodeAt(units);
    const low = value.charCodeAt(units + 1); // NaN past the end
    units += high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
  }
  return value.slice(0, units);
}

/** The longest prefix of a string whose UTF-8 encoding fits `maxBytes`, on a character boundary. */
export function clipUtf8(value: string, maxBytes: number): string {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // not inside a character
  return bytes.subarray(0, end).toString("utf8");
}
