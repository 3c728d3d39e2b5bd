import { ChannelType } from "@atendo/proto/common/v1";
import { WebhookEventStatus } from "@atendo/proto/ingress/v1";

/** How a delivery's status is spelled in `ingress.webhook_events.status`. */
export type StoredStatus = "queued" | "accepted" | "rejected" | "held" | "failed" | "ignored" | "throttled";
/** How a channel type is spelled in `ingress.webhook_events.channel_type`. */
export type StoredChannelType = "whatsapp" | "instagram" | "web";

const TO_PROTO: Readonly<Record<StoredStatus, WebhookEventStatus>> = {
  queued: WebhookEventStatus.QUEUED,
  accepted: WebhookEventStatus.ACCEPTED,
  rejected: WebhookEventStatus.REJECTED,
  held: WebhookEventStatus.HELD,
  failed: WebhookEventStatus.FAILED,
  ignored: WebhookEventStatus.IGNORED,
  throttled: WebhookEventStatus.THROTTLED,
};

export function statusToProto(status: string): WebhookEventStatus {
  return TO_PROTO[status as StoredStatus] ?? WebhookEventStatus.UNSPECIFIED;
}

export function statusFromProto(status: WebhookEventStatus): StoredStatus | undefined {
  const found = Object.entries(TO_PROTO).find(([, v]) => v === status);
  return found?.[0] as StoredStatus | undefined;
}

const CHANNEL_TYPES: Readonly<Record<StoredChannelType, ChannelType>> = {
  whatsapp: ChannelType.WHATSAPP,
  instagram: ChannelType.INSTAGRAM,
  web: ChannelType.WEB,
};

export function channelTypeToProto(type: string): ChannelType {
  return CHANNEL_TYPES[type as StoredChannelType] ?? ChannelType.UNSPECIFIED;
}
