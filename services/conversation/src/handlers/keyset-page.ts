import { isUuid } from "@atendo/db";
import { ErrorReason } from "@atendo/proto/common/v1";
import { commonError, decodePageToken, type PageCursor } from "@atendo/service-kit";

// The inbox's lists are sorted by a time and the id (last_message_at or sort_at, then id): their
// page tokens hold the last item's time in milliseconds and its id.

/** Where a page starts: after the item with this time and id. */
export interface TimeKey {
  at: Date;
  id: string;
}

export const timeKeyCursor = (at: Date, id: string): PageCursor => [at.getTime(), id];

/**
 * The position a page token names; undefined for the first page. A token that is not one of these
 * lists' (or was issued for other filters) is `invalid_argument` INVALID_PAGE_TOKEN.
 */
export function timeKeyOf(token: string, filters: string): TimeKey | undefined {
  const cursor = decodePageToken(token, filters, 2);
  if (cursor === undefined) return undefined;
  const [ms, id] = cursor;
  if (typeof ms !== "number" || !Number.isSafeInteger(ms) || typeof id !== "string" || !isUuid(id)) {
    throw commonError(ErrorReason.INVALID_PAGE_TOKEN, "page_token: is not a token this list returned", {
      field: "page_token",
    });
  }
  return { at: new Date(ms), id };
}
