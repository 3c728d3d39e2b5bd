// Input events as ingress, ai and delivery publish them.
import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import {
  HandoffActionSchema,
  type ReplyGenerated,
  ReplyGeneratedSchema,
  ReplyPartSchema,
  ToolActionSchema,
} from "@atendo/proto/ai/v1";
import {
  type Actor,
  ActorKind,
  ChannelType,
  MediaContentSchema,
  MediaKind,
  MediaRefSchema,
  MediaState,
  type Message,
  MessageSchema,
  MessageStatus,
  TextContentSchema,
} from "@atendo/proto/common/v1";
import { type StatusChanged, StatusChangedSchema } from "@atendo/proto/delivery/v1";
import {
  type ContactSyncAction,
  type ContactSyncReceived,
  ContactSyncReceivedSchema,
  ExternalContactSchema,
  type MediaStored,
  MediaStoredSchema,
  type MessageChangeKind,
  type MessageChangeReceived,
  MessageChangeReceivedSchema,
  type MessageReceived,
  MessageReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";

/** One customer of one tenant on one WhatsApp channel. */
export interface Customer {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  waId: string;
}

export function newCustomer(overrides: Partial<Customer> = {}): Customer {
  return {
    tenantId: newId(),
    workspaceId: newId(),
    channelId: newId(),
    waId: `55119${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`,
    ...overrides,
  };
}

export const text = (body: string): Message =>
  create(MessageSchema, { content: { case: "text", value: create(TextContentSchema, { body }) } });

export function messageReceived(
  c: Customer,
  init: {
    body?: string;
    message?: Message;
    externalMessageId?: string;
    isEcho?: boolean;
    stale?: boolean;
    sentAt?: Date;
    displayName?: string;
    history?: boolean;
    historyStatus?: string;
    channelType?: ChannelType;
  } = {},
): MessageReceived {
  const webhookEventId = newId();
  return create(MessageReceivedSchema, {
    meta: newEventMeta({ tenantId: c.tenantId, workspaceId: c.workspaceId, correlationId: webhookEventId }),
    webhookEventId,
    channelId: c.channelId,
    channelType: init.channelType ?? ChannelType.WHATSAPP,
    history: init.history ?? false,
    historyStatus: init.historyStatus ?? "",
    externalMessageId: init.externalMessageId ?? `wamid.${newId()}`,
    contact: create(ExternalContactSchema, {
      externalId: c.waId,
      waId: c.waId,
      displayName: init.displayName ?? "Maria Silva",
      phone: `+${c.waId}`,
    }),
    message: init.message ?? text(init.body ?? "Hi, do you open on Sundays?"),
    sentAt: timestampFromDate(init.sentAt ?? new Date()),
    isEcho: init.isEcho ?? false,
    stale: init.stale ?? false,
  });
}

export function replyGenerated(
  c: Customer,
  init: {
    conversationId: string;
    turnEpoch: number;
    answeredMessageIds: string[];
    parts?: string[];
    handoffReason?: string;
    causationId?: string;
  },
): ReplyGenerated {
  return create(ReplyGeneratedSchema, {
    meta: newEventMeta({
      tenantId: c.tenantId,
      workspaceId: c.workspaceId,
      correlationId: newId(),
      causationId: init.causationId ?? "",
    }),
    conversationId: init.conversationId,
    channelId: c.channelId,
    turnEpoch: init.turnEpoch,
    answeredMessageIds: init.answeredMessageIds,
    parts: (init.parts ?? ["We open on Sundays from 10 to 16."]).map((body) =>
      create(ReplyPartSchema, { part: { case: "text", value: create(TextContentSchema, { body }) } }),
    ),
    actions:
      init.handoffReason === undefined
        ? []
        : [
            create(ToolActionSchema, {
              action: { case: "handoff", value: create(HandoffActionSchema, { reason: init.handoffReason }) },
            }),
          ],
    assistantId: newId(),
    model: "test-model",
  });
}

export function messageChanged(
  c: Customer,
  init: {
    target: string;
    kind: MessageChangeKind;
    body?: string;
    editNumber?: number;
    occurredAt?: Date;
    isEcho?: boolean;
    externalChangeId?: string;
  },
): MessageChangeReceived {
  const webhookEventId = newId();
  return create(MessageChangeReceivedSchema, {
    meta: newEventMeta({ tenantId: c.tenantId, workspaceId: c.workspaceId, correlationId: webhookEventId }),
    webhookEventId,
    channelId: c.channelId,
    channelType: ChannelType.WHATSAPP,
    targetExternalMessageId: init.target,
    kind: init.kind,
    ...(init.body === undefined ? {} : { message: text(init.body) }),
    editNumber: init.editNumber ?? 0,
    contact: create(ExternalContactSchema, { externalId: c.waId, waId: c.waId }),
    isEcho: init.isEcho ?? false,
    occurredAt: timestampFromDate(init.occurredAt ?? new Date()),
    externalChangeId: init.externalChangeId ?? "",
  });
}

/** An inbound image whose file ingress is still fetching (MediaRef state PENDING). */
export const pendingImage = (caption = ""): Message =>
  create(MessageSchema, {
    content: {
      case: "media",
      value: create(MediaContentSchema, {
        kind: MediaKind.IMAGE,
        caption,
        media: create(MediaRefSchema, {
          channelMediaId: `media-${newId()}`,
          mimeType: "image/jpeg",
          state: MediaState.PENDING,
        }),
      }),
    },
  });

export function mediaStored(
  c: Customer,
  init: { externalMessageId: string; state: MediaState; mediaId?: string; failureReason?: string },
): MediaStored {
  return create(MediaStoredSchema, {
    meta: newEventMeta({ tenantId: c.tenantId, workspaceId: c.workspaceId, correlationId: newId() }),
    channelId: c.channelId,
    channelType: ChannelType.WHATSAPP,
    externalMessageId: init.externalMessageId,
    state: init.state,
    mediaId: init.mediaId ?? (init.state === MediaState.STORED ? newId() : ""),
    mimeType: init.state === MediaState.STORED ? "image/jpeg" : "",
    sizeBytes: init.state === MediaState.STORED ? 48_213n : 0n,
    sha256: "",
    failureReason: init.failureReason ?? "",
  });
}

export function contactSynced(
  c: Customer,
  init: {
    action: ContactSyncAction;
    fullName?: string;
    firstName?: string;
    occurredAt: Date;
    phone?: string;
  },
): ContactSyncReceived {
  return create(ContactSyncReceivedSchema, {
    meta: newEventMeta({ tenantId: c.tenantId, workspaceId: c.workspaceId, correlationId: newId() }),
    webhookEventId: newId(),
    channelId: c.channelId,
    action: init.action,
    phoneNumber: init.phone ?? c.waId,
    fullName: init.fullName ?? "",
    firstName: init.firstName ?? "",
    occurredAt: timestampFromDate(init.occurredAt),
  });
}

export function statusChanged(
  c: Customer,
  init: {
    conversationId: string;
    messageId: string;
    status: MessageStatus;
    externalMessageId?: string;
    channelType?: ChannelType;
  },
): StatusChanged {
  return create(StatusChangedSchema, {
    meta: newEventMeta({ tenantId: c.tenantId, workspaceId: c.workspaceId, correlationId: newId() }),
    conversationId: init.conversationId,
    messageId: init.messageId,
    channelId: c.channelId,
    externalMessageId: init.externalMessageId ?? "",
    status: init.status,
    channelType: init.channelType ?? ChannelType.WHATSAPP,
    attempt: init.status === MessageStatus.SENT ? 1 : 0,
  });
}

/** The routing ids a public event carries, in a fixed order for comparisons. */
export const routingOf = (e: {
  conversationId: string;
  contactId: string;
  channelId: string;
  channelType: ChannelType;
}) => [e.conversationId, e.contactId, e.channelId, e.channelType] as const;

/** The routing ids of a customer's WhatsApp conversation (a row of conversation.conversations). */
export const routingOfRow = (c: Customer, row: { id: string; contact_id: string }) =>
  [row.id, row.contact_id, c.channelId, ChannelType.WHATSAPP] as const;

/** An event's actor as [kind, id]. */
export const actorOf = (meta: { actor?: Actor | undefined } | undefined) =>
  [meta?.actor?.kind, meta?.actor?.id] as const;

/** The customer who wrote, as an event names them. */
export const contactActor = (row: { contact_id: string }) => [ActorKind.CONTACT, row.contact_id] as const;

/** The text of a message view (a ConversationMessage or a MessageVersion); `[<case>]` for other content. */
export const bodyOf = (m: { message?: Message | undefined } | undefined): string =>
  m?.message?.content.case === "text" ? m.message.content.value.body : `[${m?.message?.content.case}]`;
