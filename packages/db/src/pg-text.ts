/**
 * Text bound for Postgres, cleaned of what it cannot hold. Channels deliver JSON whose strings may
 * escape any code unit: `\u0000` (Postgres refuses NUL in text, varchar and jsonb alike: the whole
 * statement fails) and lone surrogates such as `\ud800` (not Unicode; the driver would replace them
 * silently while encoding). Both become U+FFFD, the replacement character, so what is stored still
 * shows where something was. Use it where channel text (or anything derived from it) is written to a
 * column; keep the raw bytes as they came (bytea) when they must survive byte for byte.
 */
export function pgText(value: string): string {
  if (value.isWellFormed() && !value.includes("\0")) return value;
  return value.toWellFormed().replaceAll("\0", "\uFFFD");
}

/**
 * A JSON value bound for a jsonb column with every string (object keys included) passed through
 * `pgText`. Iterative: a deeply nested value cannot overflow the stack. Returns new containers and
 * leaves the input untouched.
 */
export function pgJson<T>(value: T): T {
  const root: Record<string, unknown> = {};
  // Each item: a value to copy, and where its copy goes.
  const work: Array<[from: unknown, into: Record<string, unknown> | unknown[], key: string | number]> = [
    [value, root, "value"],
  ];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const [from, into, key] = item;
    let copy: unknown = from;
    if (typeof from === "string") copy = pgText(from);
    else if (Array.isArray(from)) {
      const list: unknown[] = new Array(from.length);
      for (let i = 0; i < from.length; i++) work.push([from[i], list, i]);
      copy = list;
    } else if (typeof from === "object" && from !== null) {
      const object: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(from)) work.push([v, object, pgText(k)]);
      copy = object;
    }
    (into as Record<string | number, unknown>)[key] = copy;
  }
  return root.value as T;
}
