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
  const root: { value: unknown } = { value: undefined };
  const work: Array<{ from: unknown; set: (v: unknown) => void }> = [
    { from: value, set: (v) => (root.value = v) },
  ];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { from, set } = item;
    if (typeof from === "string") set(pgText(from));
    else if (Array.isArray(from)) {
      const copy: unknown[] = new Array(from.length);
      set(copy);
      from.forEach((v, i) => work.push({ from: v, set: (c) => (copy[i] = c) }));
    } else if (typeof from === "object" && from !== null) {
      const copy: Record<string, unknown> = {};
      set(copy);
      for (const [k, v] of Object.entries(from)) {
        const key = pgText(k);
        work.push({ from: v, set: (c) => (copy[key] = c) });
      }
    } else set(from);
  }
  return root.value as T;
}
