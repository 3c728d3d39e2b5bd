import { Secret } from "./secret.js";

/** Whether a variable must be set ("required"; a default also satisfies it) or may be absent. */
export type Presence = "required" | "optional";

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/**
 * One environment variable: what it is, how to parse it, and whether it may be absent.
 * Build one with `str`, `int`, `bool`, `url`, `oneOf` or `secret`.
 */
export interface EnvVar<T, P extends Presence = "required"> {
  /** What the variable is, e.g. "the Postgres URL of the service's login role". */
  readonly description: string;
  /** What a valid value looks like, e.g. "an integer from 0 to 65535"; empty when anything goes. */
  readonly expectation: string;
  readonly presence: P;
  readonly hasDefault: boolean;
  readonly defaultValue: T | undefined;
  /** Problems are safe to print: they never contain the value of a secret or URL credentials. */
  parse(raw: string): ParseResult<T>;
  /** The variable may be absent: its key is then missing from the config object. */
  optional(): EnvVar<T, "optional">;
  /** The variable may be absent: `value` is used instead. */
  default(value: T): EnvVar<T, "required">;
}

interface VarKind<T> {
  readonly description: string;
  readonly expectation: string;
  parse(raw: string): ParseResult<T>;
}

function makeVar<T, P extends Presence>(
  kind: VarKind<T>,
  presence: P,
  defaulted: { has: boolean; value: T | undefined },
): EnvVar<T, P> {
  return {
    description: kind.description,
    expectation: kind.expectation,
    presence,
    hasDefault: defaulted.has,
    defaultValue: defaulted.value,
    parse: (raw) => kind.parse(raw),
    optional: () => makeVar(kind, "optional", { has: false, value: undefined }),
    default: (value) => makeVar(kind, "required", { has: true, value }),
  };
}

function required<T>(kind: VarKind<T>): EnvVar<T> {
  return makeVar(kind, "required", { has: false, value: undefined });
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (problem: string): ParseResult<never> => ({ ok: false, problem });

/** Quotes a raw value for an error message, bounded so a pasted blob does not flood the log. */
function quote(raw: string): string {
  return JSON.stringify(raw.length > 64 ? `${raw.slice(0, 64)}...` : raw);
}

/** Any non-empty string. */
export function str(description: string): EnvVar<string> {
  return required({ description, expectation: "", parse: ok });
}

/** An integer, optionally bounded (inclusive). */
export function int(description: string, bounds: { min?: number; max?: number } = {}): EnvVar<number> {
  const { min, max } = bounds;
  const expectation =
    min !== undefined && max !== undefined
      ? `an integer from ${min} to ${max}`
      : min !== undefined
        ? `an integer of at least ${min}`
        : max !== undefined
          ? `an integer of at most ${max}`
          : "an integer";
  return required({
    description,
    expectation,
    parse(raw) {
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(n)) return fail(`got ${quote(raw)}`);
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) return fail(`got ${n}`);
      return ok(n);
    },
  });
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/** A boolean: true/false, 1/0, yes/no or on/off (any case). */
export function bool(description: string): EnvVar<boolean> {
  return required({
    description,
    expectation: "true or false",
    parse(raw) {
      const word = raw.toLowerCase();
      if (TRUE_WORDS.has(word)) return ok(true);
      if (FALSE_WORDS.has(word)) return ok(false);
      return fail(`got ${quote(raw)}`);
    },
  });
}

/**
 * An absolute URL whose protocol is one of `protocols` (with the colon: "postgres:"). The value is
 * returned as written. Problems never echo the URL since it may carry a password.
 */
export function url(description: string, options: { protocols: readonly string[] }): EnvVar<string> {
  const protocols = options.protocols.map((p) => (p.endsWith(":") ? p : `${p}:`));
  return required({
    description,
    expectation: `a URL with protocol ${protocols.join(" or ")}`,
    parse(raw) {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        return fail("got a value that is not a URL");
      }
      if (!protocols.includes(parsed.protocol)) return fail(`got protocol ${quote(parsed.protocol)}`);
      return ok(raw);
    },
  });
}

/** One of a fixed set of words (exact match). */
export function oneOf<const V extends readonly [string, ...string[]]>(
  description: string,
  values: V,
): EnvVar<V[number]> {
  return required({
    description,
    expectation: `one of ${values.join(", ")}`,
    parse(raw) {
      const found = values.find((v) => v === raw);
      return found !== undefined ? ok(found) : fail(`got ${quote(raw)}`);
    },
  });
}

/** A secret (token, key, password): wrapped in `Secret`, never printed, not even when invalid. */
export function secret(description: string, options: { minLength?: number } = {}): EnvVar<Secret> {
  const { minLength } = options;
  return required({
    description,
    expectation: minLength === undefined ? "" : `at least ${minLength} characters`,
    parse: (raw) =>
      minLength !== undefined && raw.length < minLength
        ? fail("got a value that is too short")
        : ok(new Secret(raw)),
  });
}
