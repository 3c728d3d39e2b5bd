import { isUuid } from "@atendo/db";
import { ErrorReason } from "@atendo/proto/common/v1";
import {
  commonError,
  decodePageToken,
  filterKey,
  type PageCursor,
  pageOf,
  pageSizeOf,
} from "@atendo/service-kit";

// The tenant service's lists page with service-kit's AIP-158 module; this only adds what its
// cursors are made of (ids, or a name and an id) and refuses a token whose values could not be ours.

/** A page of a List RPC: its size, the fingerprint of its filters (with the list's name), its cut. */
export interface ListPage {
  size: number;
  filters: string;
  of<T>(rows: readonly T[], cursorOf: (row: T) => PageCursor): { items: T[]; nextPageToken: string };
}

/** `filters` names the list (`list: "channels"`), so a token of another list never fits. */
export function listPage(req: { pageSize: number }, filters: Readonly<Record<string, unknown>>): ListPage {
  const size = pageSizeOf(req.pageSize);
  const key = filterKey(filters);
  return { size, filters: key, of: (rows, cursorOf) => pageOf(rows, size, key, cursorOf) };
}

const notOurs = () =>
  commonError(ErrorReason.INVALID_PAGE_TOKEN, "page_token: is not a token this list returned", {
    field: "page_token",
  });

/** The id to continue after, for lists in id order; undefined on the first page. */
export function uuidAfter(token: string, filters: string): string | undefined {
  const cursor = decodePageToken(token, filters, 1);
  if (cursor === undefined) return undefined;
  const [id] = cursor;
  if (typeof id !== "string" || !isUuid(id)) throw notOurs();
  return id;
}

/** The name and id to continue after, for lists by name; undefined on the first page. */
export function nameIdAfter(token: string, filters: string): { name: string; id: string } | undefined {
  const cursor = decodePageToken(token, filters, 2);
  if (cursor === undefined) return undefined;
  const [name, id] = cursor;
  if (typeof name !== "string" || typeof id !== "string" || !isUuid(id)) throw notOurs();
  return { name, id };
}
