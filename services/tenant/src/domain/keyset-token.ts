import { InvalidInputError } from "./invalid-input.js";

/**
 * An opaque cursor over a composite sort key (e.g. name then id), bound to the list's filters like
 * page-token.ts: a token only works with the filters that made it.
 */
export function encodeKeysetToken(key: Record<string, string>, filters: string): string {
  return Buffer.from(JSON.stringify({ k: key, f: filters }), "utf8").toString("base64url");
}

export function decodeKeysetToken<K extends string>(
  token: string,
  fields: readonly K[],
  filters: string,
): Record<K, string> | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const { k, f } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as {
    k?: unknown;
    f?: unknown;
  };
  const key = (typeof k === "object" && k !== null ? k : {}) as Record<string, unknown>;
  if (typeof f !== "string" || !fields.every((name) => typeof key[name] === "string")) {
    throw new InvalidInputError("page.page_token", "is not a token this list returned");
  }
  if (f !== filters) {
    throw new InvalidInputError("page.page_token", "was returned for other filters; start again without it");
  }
  return Object.fromEntries(fields.map((name) => [name, key[name] as string])) as Record<K, string>;
}
