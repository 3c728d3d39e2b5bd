import { isUuid } from "@atendo/db";

// Keyset cursor of ListWebhookEvents: the id (UUIDv7, time-ordered) of the last row returned.
// Opaque to callers; versioned so its shape can change.
const PREFIX = "w1:";

export function encodePageToken(lastId: string): string {
  return Buffer.from(`${PREFIX}${lastId}`, "utf8").toString("base64url");
}

/** The last id of the previous page; undefined for the first page; throws on a token we did not make. */
export function decodePageToken(token: string): string | undefined {
  if (token === "") return undefined;
  const text = Buffer.from(token, "base64url").toString("utf8");
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : "";
  if (!isUuid(id)) throw new RangeError("page_token is not a token returned by this list");
  return id;
}
