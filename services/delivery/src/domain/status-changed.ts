import {
  type ChannelError,
  ChannelErrorSchema,
  type ChannelType,
  type EventMeta,
} from "@atendo/proto/common/v1";
import { type StatusChanged, StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { create } from "@bufbuild/protobuf";
import { type DeliveryStatus, toMessageStatus } from "./delivery-status.js";
import type { ChannelErrorInfo } from "./send-outcome.js";

export interface StatusChangeFacts {
  meta: EventMeta;
  conversationId: string;
  /** The contact the message went to; empty when the delivery predates contact ids. */
  contactId: string;
  messageId: string;
  channelId: string;
  channelType: ChannelType;
  externalMessageId: string | null | undefined;
  status: DeliveryStatus;
  error?: ChannelErrorInfo | undefined;
  /** The send attempt that produced the change; 0 for a channel receipt. */
  attempt: number;
}

export function toChannelError(error: ChannelErrorInfo): ChannelError {
  return create(ChannelErrorSchema, error);
}

export function statusChangedEvent(facts: StatusChangeFacts): StatusChanged {
  return create(StatusChangedSchema, {
    meta: facts.meta,
    conversationId: facts.conversationId,
    contactId: facts.contactId,
    messageId: facts.messageId,
    channelId: facts.channelId,
    channelType: facts.channelType,
    externalMessageId: facts.externalMessageId ?? "",
    status: toMessageStatus(facts.status),
    ...(facts.error === undefined ? {} : { error: toChannelError(facts.error) }),
    attempt: facts.attempt,
  });
}

/**
 * JetStream dedupe id of a status change: one per (message, status, attempt), so republishing the
 * same change (a redelivered or duplicated OutboundCreated) is dropped by the stream.
 */
export function statusChangedMsgId(messageId: string, status: DeliveryStatus, attempt: number): string {
  return `delivery:${messageId}:${status}:${attempt}`;
}
