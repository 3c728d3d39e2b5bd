// Small field checks shared by the send validators. Each returns a Graph-style detail on failure.

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class InvalidParameter extends Error {}

export function fail(details: string): never {
  throw new InvalidParameter(details);
}

/** Counts characters the way users see them (code points), not UTF-16 units. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function requireObject(value: unknown, param: string): Json {
  if (value === undefined) fail(`Param ${param} is required`);
  if (!isObject(value)) fail(`Param ${param} must be an object`);
  return value;
}

export function requireString(
  value: unknown,
  param: string,
  min = 1,
  max = Number.POSITIVE_INFINITY,
): string {
  if (value === undefined) fail(`Param ${param} is required`);
  if (typeof value !== "string") fail(`Param ${param} must be a string`);
  const length = charLength(value);
  if (length < min) fail(min === 1 ? `Param ${param} must not be empty` : `Param ${param} is too short`);
  if (length > max) fail(`Param ${param} must be at most ${max} characters long`);
  return value;
}

export function optionalString(value: unknown, param: string, max = Number.POSITIVE_INFINITY): void {
  if (value !== undefined) requireString(value, param, 0, max);
}

export function optionalBoolean(value: unknown, param: string): void {
  if (value !== undefined && typeof value !== "boolean") fail(`Param ${param} must be a boolean`);
}

export function requireNumber(value: unknown, param: string): number {
  if (value === undefined) fail(`Param ${param} is required`);
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) fail(`Param ${param} must be a number`);
  return n;
}

export function requireArray(value: unknown, param: string, min: number, max: number): unknown[] {
  if (value === undefined) fail(`Param ${param} is required`);
  if (!Array.isArray(value)) fail(`Param ${param} must be an array`);
  if (value.length < min) fail(`Param ${param} must have at least ${min} element${min === 1 ? "" : "s"}`);
  if (value.length > max) fail(`Param ${param} must have at most ${max} elements`);
  return value;
}

export function requireHttpUrl(value: unknown, param: string): void {
  const text = requireString(value, param);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(`Param ${param} must be a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`Param ${param} must be an http(s) URL`);
}

export function oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail(`Param ${param} must be one of {${allowed.join(", ")}} - got ${JSON.stringify(value)}`);
  }
  return value as T;
}
