import { createHash } from "node:crypto";
import { ErrorReason } from "@atendo/proto/common/v1";
import type { ConnectError } from "@connectrpc/connect";
import { commonError } from "../errors/common-errors.js";

// List RPCs page per AIP-158: top-level `page_size` and `page_token` in, `next_page_token` out.
// Pages are keysets: the token holds the sort values of the last item returned, bound to the
// list's filters so a token cannot be replayed against another query.

/** The sort values of the last item of a page (e.g. `[createdAt, id]`), in the list's order. */
export type PageCursor = readonly (string | number)[];

export interface PageLimits {
  /** Size of a page when the caller asks for none (0). Default 50. */
  defaultSize?: number;
  /** Largest page; a bigger request is coerced to it, not refused. Default 100. */
  maxSize?: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** The page size to use: 0 gives the default, anything above the maximum is coerced to it. */
export function pageSizeOf(requested: number, limits: PageLimits = {}): number {
  const max = limits.maxSize ?? MAX_PAGE_SIZE;
  if (requested <= 0) return Math.min(limits.defaultSize ?? DEFAULT_PAGE_SIZE, max);
  return Math.min(requested, max);
}

/** A short fingerprint of a list's filters: a token only works with the filters that made it. */
export function filterKey(filters: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(filters)
    .sort()
    .map((k) => [k, filters[k] ?? null]);
  return createHash("sha256").update(JSON.stringify(sorted)).digest("base64url").slice(0, 12);
}

/** The opaque token of the page after the one ending with `cursor`. */
export function encodePageToken(cursor: PageCursor, filters: string): string {
  return Buffer.from(JSON.stringify({ c: cursor, f: filters }), "utf8").toString("base64url");
}

function invalidToken(detail: string): ConnectError {
  return commonError(ErrorReason.INVALID_PAGE_TOKEN, `page_token: ${detail}`, { field: "page_token" });
}

/**
 * The cursor to continue after; undefined for the first page (empty token). A token this list did
 * not return, or returned for other filters, is `invalid_argument` with reason INVALID_PAGE_TOKEN.
 */
export function decodePageToken(token: string, filters: string, arity: number): PageCursor | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const { c, f } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as {
    c?: unknown;
    f?: unknown;
  };
  const ok =
    Array.isArray(c) &&
    c.length === arity &&
    c.every((v) => typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) &&
    typeof f === "string";
  if (!ok) throw invalidToken("is not a token this list returned");
  if (f !== filters) throw invalidToken("was returned for other filters; start again without it");
  return c as PageCursor;
}

/**
 * Splits rows fetched with `limit: size + 1` into the page and the token of the next one (empty at
 * the end).
 */
export function pageOf<T>(
  rows: readonly T[],
  size: number,
  filters: string,
  cursorOf: (row: T) => PageCursor,
): { items: T[]; nextPageToken: string } {
  if (rows.length <= size) return { items: [...rows], nextPageToken: "" };
  const items = rows.slice(0, size);
  const last = items[items.length - 1] as T;
  return { items, nextPageToken: encodePageToken(cursorOf(last), filters) };
}
