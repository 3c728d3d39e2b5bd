import {
  ChannelErrorSchema,
  type Citation,
  CitationSchema,
  type Message,
  MessageSchema,
} from "@atendo/proto/common/v1";
import {
  type Contact,
  ContactIdentitySchema,
  ContactSchema,
  type Conversation,
  type ConversationMessage,
  ConversationMessageSchema,
  ConversationSchema,
} from "@atendo/proto/conversation/v1";
import { create, fromBinary, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ContactRecord } from "../store/contact-entity.js";
import type { ConversationRecord } from "../store/conversation-entity.js";
import type { MessageRecord } from "../store/message-entity.js";
import {
  channelTypeToProto,
  conversationStatusToProto,
  directionToProto,
  handlerToProto,
  messageStatusToProto,
  senderKindToProto,
} from "./enums.js";
import { windowExpiresAt } from "./turn-rules.js";

const ts = (d: Date | null | undefined) => (d ? timestampFromDate(d) : undefined);

export function contactToProto(c: ContactRecord): Contact {
  return create(ContactSchema, {
    id: c.id,
    tenantId: c.tenantId,
    workspaceId: c.workspaceId,
    // An agent's or the AI's name wins over the channel profile name.
    name: c.name !== "" ? c.name : c.displayName,
    email: c.email,
    phone: c.phone,
    tags: [...c.tags],
    attributes: { ...c.attributes },
    identities: [
      create(ContactIdentitySchema, {
        channelId: c.channelId,
        channelType: channelTypeToProto(c.channelType),
        externalId: c.externalId,
        displayName: c.displayName,
        username: c.username,
      }),
    ],
    createdAt: timestampFromDate(c.createdAt),
    updatedAt: timestampFromDate(c.updatedAt),
    lastSeenAt: ts(c.lastSeenAt),
  });
}

export function conversationToProto(c: ConversationRecord, contact: ContactRecord | undefined): Conversation {
  return create(ConversationSchema, {
    id: c.id,
    tenantId: c.tenantId,
    workspaceId: c.workspaceId,
    channelId: c.channelId,
    channelType: channelTypeToProto(c.channelType),
    contact: contact ? contactToProto(contact) : undefined,
    status: conversationStatusToProto(c.status),
    handler: handlerToProto(c.handler),
    assigneeUserId: c.assigneeUserId ?? "",
    lastMessageAt: timestampFromDate(c.lastMessageAt),
    unreadCount: c.unreadCount,
    turnEpoch: c.turnEpoch,
    tags: [...c.tags],
    assistantId: c.assistantId ?? "",
    lastMessagePreview: c.lastMessagePreview,
    windowExpiresAt: ts(windowExpiresAt(c.channelType, c.lastInboundAt)),
    createdAt: timestampFromDate(c.createdAt),
    resolvedAt: ts(c.resolvedAt),
  });
}

export function decodeContent(bytes: Uint8Array): Message {
  return fromBinary(MessageSchema, bytes);
}

function decodeCitations(stored: unknown[]): Citation[] {
  return stored.map((c) => fromJson(CitationSchema, c as JsonValue));
}

export function messageToProto(m: MessageRecord): ConversationMessage {
  return create(ConversationMessageSchema, {
    id: m.id,
    conversationId: m.conversationId,
    direction: directionToProto(m.direction),
    senderKind: senderKindToProto(m.senderKind),
    senderId: m.senderId,
    message: decodeContent(m.content),
    externalId: m.externalId ?? "",
    status: messageStatusToProto(m.status),
    error: m.error ? fromBinary(ChannelErrorSchema, m.error) : undefined,
    createdAt: timestampFromDate(m.createdAt),
    sentAt: ts(m.sentAt),
    turnEpoch: m.turnEpoch,
    replyToMessageId: m.replyToMessageId ?? "",
    citations: decodeCitations(m.citations),
    clientMessageId: m.clientMessageId ?? "",
    statusUpdatedAt: ts(m.statusUpdatedAt),
  });
}
