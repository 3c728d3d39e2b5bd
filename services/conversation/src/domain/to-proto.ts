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
  MessageVersionSchema,
} from "@atendo/proto/conversation/v1";
import { etagOf } from "@atendo/service-kit";
import { create, fromBinary, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type ChannelTypeName,
  type ConversationStatusName,
  channelTypeToProto,
  conversationStatusToProto,
  type DirectionName,
  directionToProto,
  type HandlerName,
  handlerToProto,
  type MessageStatusName,
  messageStatusToProto,
  type SenderKindName,
  senderKindToProto,
} from "./enums.js";
import { windowExpiresAt } from "./turn-rules.js";

// The contract's views of what the store keeps. The shapes name what a view reads; the store's
// records have these fields (and more), so the domain needs nothing from the store.

export interface ContactState {
  id: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelTypeName;
  externalId: string;
  displayName: string;
  name: string;
  email: string;
  phone: string;
  username: string;
  attributes: Record<string, string>;
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
  lastSeenAt: Date | null;
  savedName: string;
}

export interface ConversationState {
  id: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelTypeName;
  contactId: string;
  status: ConversationStatusName;
  handler: HandlerName;
  assigneeUserId: string | null;
  assistantId: string | null;
  turnEpoch: number;
  lastMessageAt: Date;
  lastInboundAt: Date | null;
  lastMessagePreview: string;
  unreadCount: number;
  tags: string[];
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface MessageState {
  id: string;
  conversationId: string;
  direction: DirectionName;
  senderKind: SenderKindName;
  senderId: string;
  externalId: string | null;
  content: Uint8Array;
  status: MessageStatusName | null;
  error: Uint8Array | null;
  turnEpoch: number;
  replyToMessageId: string | null;
  citations: unknown[];
  clientMessageId: string | null;
  createdAt: Date;
  sentAt: Date | null;
  statusUpdatedAt: Date | null;
  history: boolean;
  editedAt: Date | null;
  editCount: number;
  deletedAt: Date | null;
}

/** An earlier content of an edited message. */
export interface MessageVersionState {
  content: Uint8Array;
  writtenAt: Date;
  editNumber: number;
}

const ts = (d: Date | null | undefined) => (d ? timestampFromDate(d) : undefined);

/**
 * The contact's etag (AIP-154): every field a person or the assistant can change, and the change
 * time (milliseconds alone could miss two changes in the same millisecond).
 */
export function contactEtag(c: ContactState): string {
  return etagOf(
    c.id,
    c.updatedAt,
    c.name,
    c.displayName,
    c.email,
    c.phone,
    c.username,
    c.savedName,
    JSON.stringify(c.tags),
    JSON.stringify(Object.entries(c.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

export function contactToProto(c: ContactState): Contact {
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
    etag: contactEtag(c),
    savedName: c.savedName,
  });
}

export function conversationToProto(c: ConversationState, contact: ContactState | undefined): Conversation {
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

/**
 * The message's view; `previous` are its earlier contents (message_versions without the one the
 * row holds), oldest first, when the caller loaded them.
 */
export function messageToProto(
  m: MessageState,
  previous: readonly MessageVersionState[] = [],
): ConversationMessage {
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
    requestId: m.clientMessageId ?? "",
    statusUpdatedAt: ts(m.statusUpdatedAt),
    editedAt: ts(m.editedAt),
    editCount: m.editCount,
    previousVersions: previous.map((v) =>
      create(MessageVersionSchema, {
        message: decodeContent(v.content),
        writtenAt: timestampFromDate(v.writtenAt),
        editNumber: v.editNumber,
      }),
    ),
    deletedAt: ts(m.deletedAt),
    history: m.history,
  });
}
