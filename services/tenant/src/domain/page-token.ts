import { createHash } from "node:crypto";
import type { PageRequest } from "@atendo/proto/common/v1";
import { InvalidInputError } from "./invalid-input.js";

const DEFAULT_PAGE_SIZE = 50;

export function pageSize(page: PageRequest | undefined): number {
  const size = page?.pageSize ?? 0;
  return size > 0 ? size : DEFAULT_PAGE_SIZE;
}

/** A short fingerprint of a list's filters: a token only works with the filters that made it. */
export function filterKey(filters: Record<string, string | number>): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 12);
}

/** The opaque cursor after `lastId` (keyset pagination on time-ordered UUIDv7 ids). */
export function encodePageToken(lastId: string, filters: string): string {
  return Buffer.from(JSON.stringify({ k: lastId, f: filters }), "utf8").toString("base64url");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id to continue after, undefined for the first page; a bad or foreign token is invalid input. */
export function decodePageToken(page: PageRequest | undefined, filters: string): string | undefined {
  const token = page?.pageToken ?? "";
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
  if (typeof k !== "string" || !UUID.test(k) || typeof f !== "string") {
    throw new InvalidInputError("page.page_token", "is not a token this list returned");
  }
  if (f !== filters) {
    throw new InvalidInputError("page.page_token", "was returned for other filters; start again without it");
  }
  return k;
}

/** Splits the rows fetched with limit size + 1 into the page and the next token. */
export function pageOf<T extends { id: string }>(
  rows: T[],
  size: number,
  filters: string,
): { items: T[]; nextPageToken: string } {
  if (rows.length <= size) return { items: rows, nextPageToken: "" };
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items, nextPageToken: last === undefined ? "" : encodePageToken(last.id, filters) };
}
