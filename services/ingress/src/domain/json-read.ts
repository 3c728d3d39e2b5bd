// Defensive reads over parsed JSON: Meta adds fields and types all the time (docs/meta-wire-format.md,
// rule 8), so nothing here trusts a shape; a missing or mistyped value reads as "absent".

export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string field; numbers are accepted too (ids sometimes arrive as numbers). */
export function str(obj: JsonObject | undefined, key: string): string {
  const v = obj?.[key];
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return "";
}

/** A finite number field; numeric strings are accepted too. */
export function num(obj: JsonObject | undefined, key: string): number | undefined {
  const v = obj?.[key];
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function bool(obj: JsonObject | undefined, key: string): boolean {
  return obj?.[key] === true;
}

export function obj(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  return asObject(parent?.[key]);
}

export function arr(parent: JsonObject | undefined, key: string): readonly unknown[] {
  return asArray(parent?.[key]);
}

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value.charAt(max - 1)) ? max - 1 : max;
  return value.slice(0, end);
}

/** A webhook body parsed as JSON (UTF-8, as Meta sends it); undefined when it is not JSON. */
export function parseJsonBody(body: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8")) };
  } catch {
    return undefined;
  }
}
