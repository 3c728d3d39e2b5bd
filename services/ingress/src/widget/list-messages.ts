import {
  type ListMessagesRequest,
  type ListMessagesResponse,
  ListMessagesResponseSchema,
} from "@atendo/proto/ingress/v1";
import type { VisitorPrincipal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { cursorOf, positionOfCursor } from "./widget-cursor.js";
import type { WidgetDeps } from "./widget-deps.js";
import type { ThreadAnchor } from "./widget-store.js";
import { widgetMessageOf } from "./widget-view.js";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 100;

/**
 * ListMessages: the thread's history. After a cursor: every message stored or changed since, in
 * change order (a message whose status changed comes again, with the new one); before a cursor, or
 * the newest, newest first in history order. The page token is the cursor of the page's last
 * message, read in the same direction.
 */
export function createListMessages(deps: WidgetDeps) {
  return async (req: ListMessagesRequest, visitor: VisitorPrincipal): Promise<ListMessagesResponse> => {
    const size = req.pageSize === 0 ? DEFAULT_PAGE : Math.min(req.pageSize, MAX_PAGE);
    const forward = req.anchor.case === "afterCursor";
    let anchor: ThreadAnchor;
    if (req.pageToken !== "") {
      const p = positionOfCursor(req.pageToken, "page_token");
      anchor = forward ? { after: p.version } : { before: p.seq };
    } else if (req.anchor.case === "afterCursor") {
      anchor = { after: positionOfCursor(req.anchor.value, "after_cursor").version };
    } else if (req.anchor.case === "beforeCursor") {
      anchor = { before: positionOfCursor(req.anchor.value, "before_cursor").seq };
    } else anchor = { newest: true };
    const rows = await deps.db.withTenant(visitor.tenantId, (em) =>
      deps.store.page(em, visitor.channelId, visitor.visitorId, anchor, size),
    );
    const last = rows.at(-1);
    return create(ListMessagesResponseSchema, {
      messages: rows.map(widgetMessageOf),
      nextPageToken: rows.length === size && last !== undefined ? cursorOf(last) : "",
    });
  };
}
