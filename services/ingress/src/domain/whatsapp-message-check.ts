import type { JsonObject } from "./json-read.js";

// What a message must carry before it is published (docs/meta-wire-format.md, "Every delivery accounted
// for"). json-read's `str` reads a number as a string on purpose (ids sometimes arrive as numbers
// inside objects we only read), but a message whose sender or id is not a string is not what Meta
// sends: publishing it would fail downstream ("contact.external_id is required"), so it becomes a
// note on the row instead.

/** Why a required string field cannot be used, or undefined when it is a non-empty string. */
export function stringProblem(parent: JsonObject, key: string): string | undefined {
  const value = parent[key];
  if (typeof value === "string") return value === "" ? `${key} is empty` : undefined;
  if (value === undefined) return `without ${key}`;
  if (value === null) return `${key} is null`;
  if (typeof value === "number") return `${key} is a number, not a string`;
  if (Array.isArray(value)) return `${key} is an array, not a string`;
  return `${key} is ${typeof value === "object" ? "an object" : `a ${typeof value}`}, not a string`;
}

/**
 * The first problem of fields that each may be absent, but of which one must be a non-empty string
 * (`from` or, on newer webhooks, `from_user_id`); a field that is present with another type is a
 * problem even when the other one is fine.
 */
export function eitherStringProblem(parent: JsonObject, keys: readonly string[]): string | undefined {
  let usable = false;
  for (const key of keys) {
    const value = parent[key];
    if (value === undefined || value === null || value === "") continue;
    const problem = stringProblem(parent, key);
    if (problem !== undefined) return problem;
    usable = true;
  }
  if (usable) return undefined;
  // Say what the first one is: missing, null or empty.
  const first = keys[0] ?? "";
  return stringProblem(parent, first) ?? `without ${keys.join(" or ")}`;
}

/** The first problem of several checks, or undefined. */
export function firstProblem(...problems: Array<string | undefined>): string | undefined {
  return problems.find((p) => p !== undefined);
}
