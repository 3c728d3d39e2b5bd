import { advanceMessageStatus } from "@atendo/service-kit";
import { type MessageStatusName, messageStatusFromProto, messageStatusToProto } from "./enums.js";

/**
 * The status after a report, by the platform's one order (service-kit's advanceMessageStatus):
 * forward only, FAILED terminal. Returns the current status when the report changes nothing.
 */
export function advanceStatus(
  current: MessageStatusName | null,
  reported: MessageStatusName,
): MessageStatusName | null {
  const next = advanceMessageStatus(messageStatusToProto(current), messageStatusToProto(reported));
  return messageStatusFromProto(next) ?? current;
}
