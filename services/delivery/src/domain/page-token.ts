// Keyset cursors of list RPCs: the id of the last item returned, opaque to clients.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodePageToken(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), "utf8").toString("base64url");
}

/** The id to continue after, or undefined when the token is not one of ours. */
export function decodePageToken(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const after = (parsed as { after?: unknown }).after;
    return typeof after === "string" && UUID.test(after) ? after : undefined;
  } catch {
    return undefined;
  }
}

export const DEFAULT_PAGE_SIZE = 50;

export function pageSizeOf(requested: number | undefined): number {
  return requested === undefined || requested === 0 ? DEFAULT_PAGE_SIZE : requested;
}
