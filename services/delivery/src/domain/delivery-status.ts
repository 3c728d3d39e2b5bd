import { MessageStatus } from "@atendo/proto/common/v1";

/**
 * Stored status of a delivery: MessageStatus plus SENDING (an attempt is in flight) and HELD (not
 * sent because the tenant is suspended; sent when it is reactivated).
 */
export const DELIVERY_STATUSES = [
  "PENDING",
  "SENDING",
  "HELD",
  "SENT",
  "DELIVERED",
  "READ",
  "PLAYED",
  "FAILED",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

// Order of the channel's receipts; FAILED sits outside it (terminal).
const RANK: Record<Exclude<DeliveryStatus, "FAILED">, number> = {
  PENDING: 0,
  SENDING: 0,
  HELD: 0,
  SENT: 1,
  DELIVERED: 2,
  READ: 3,
  PLAYED: 4,
};

/** The send is over: the channel accepted it (and later receipts may follow) or it failed. */
export function isSendSettled(status: DeliveryStatus): boolean {
  return status !== "PENDING" && status !== "SENDING" && status !== "HELD";
}

/**
 * Whether a channel receipt moves the delivery: statuses only move forward (sent < delivered < read <
 * played; `read` without `delivered` is fine), FAILED is terminal, and a failure reported after the
 * recipient read the message is stale.
 */
export function movesForward(current: DeliveryStatus, next: DeliveryStatus): boolean {
  if (current === "FAILED") return false;
  if (next === "FAILED") return RANK[current] < RANK.READ;
  return RANK[next] > RANK[current];
}

export function toMessageStatus(status: DeliveryStatus): MessageStatus {
  switch (status) {
    case "PENDING":
    case "SENDING":
    case "HELD":
      return MessageStatus.PENDING;
    case "SENT":
      return MessageStatus.SENT;
    case "DELIVERED":
      return MessageStatus.DELIVERED;
    case "READ":
      return MessageStatus.READ;
    case "PLAYED":
      return MessageStatus.PLAYED;
    case "FAILED":
      return MessageStatus.FAILED;
  }
}

/** A receipt's status, or undefined for values a channel never reports. */
export function fromReceiptStatus(status: MessageStatus): DeliveryStatus | undefined {
  switch (status) {
    case MessageStatus.SENT:
      return "SENT";
    case MessageStatus.DELIVERED:
      return "DELIVERED";
    case MessageStatus.READ:
      return "READ";
    case MessageStatus.PLAYED:
      return "PLAYED";
    case MessageStatus.FAILED:
      return "FAILED";
    default:
      return undefined;
  }
}
