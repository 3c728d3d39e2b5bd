import { Direction, MessageInputSchema, type MessageStatus, type SenderKind } from "@atendo/proto/common/v1";
import { type WidgetMessage, WidgetMessageSchema } from "@atendo/proto/ingress/v1";
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { cursorOf } from "./widget-cursor.js";
import type { StoredWidgetMessage } from "./widget-store.js";

/** A stored message as the widget sees it; its cursor says where it stands and when it last changed. */
export function widgetMessageOf(m: StoredWidgetMessage): WidgetMessage {
  return create(WidgetMessageSchema, {
    id: m.id,
    cursor: cursorOf(m),
    requestId: m.requestId,
    direction: m.direction === "inbound" ? Direction.INBOUND : Direction.OUTBOUND,
    senderKind: m.senderKind as SenderKind,
    senderName: m.senderName,
    message: fromBinary(MessageInputSchema, m.content),
    status: m.status as MessageStatus,
    createdAt: timestampFromDate(m.createdAt),
  });
}
