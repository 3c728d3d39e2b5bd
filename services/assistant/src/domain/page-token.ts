/**
 * Keyset cursors: the last id of a page, bound to the workspace it was listed in so a token is
 * only valid with the filters that produced it. Opaque to callers (base64url JSON).
 */
export interface PageCursor {
  workspaceId: string;
  afterId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ w: cursor.workspaceId, a: cursor.afterId })).toString("base64url");
}

/** The cursor of a token, or undefined when the token is malformed or from another workspace. */
export function decodePageToken(token: string, workspaceId: string): PageCursor | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { w, a } = parsed as { w?: unknown; a?: unknown };
  if (typeof w !== "string" || typeof a !== "string" || !UUID.test(a)) return undefined;
  if (w !== workspaceId) return undefined;
  return { workspaceId: w, afterId: a };
}

export const DEFAULT_PAGE_SIZE = 50;

/** Page size of a request: 0 (unset) is the default; the contract bounds the rest to 1..100. */
export function pageSize(requested: number | undefined): number {
  return requested === undefined || requested === 0 ? DEFAULT_PAGE_SIZE : requested;
}
