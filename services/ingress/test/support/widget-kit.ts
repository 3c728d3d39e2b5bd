import { createHmac, randomInt, randomUUID } from "node:crypto";
import { newEventMeta } from "@atendo/bus";
import { ChannelType, Direction, MessageStatus, SenderKind } from "@atendo/proto/common/v1";
import {
  ConversationMessageSchema,
  MessageStoredSchema,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import { StatusChangedSchema } from "@atendo/proto/delivery/v1";
import {
  StartSessionRequestSchema,
  type StreamMessagesResponse,
  WidgetService,
} from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { Harness, Owner } from "./harness.js";

export type WidgetClient = Client<typeof WidgetService>;

/** The widget's client as a browser uses it: Connect (JSON) or gRPC-web, over HTTP/1.1. */
export function widgetClient(baseUrl: string, protocol: "connect" | "grpc-web" = "connect"): WidgetClient {
  const transport =
    protocol === "connect"
      ? createConnectTransport({ baseUrl, httpVersion: "1.1" })
      : createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
  return createClient(WidgetService, transport);
}

export interface WebChannel {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  siteKey: string;
  identitySecret: string;
  owner: Owner;
}

/** A web channel in a new tenant. */
export async function createWebChannel(
  h: Harness,
  init: { allowedOrigins?: string[]; identityVerification?: boolean } = {},
): Promise<WebChannel> {
  const owner = await h.identity.signUpOwner();
  const res = await owner.clients.channels.createChannel({
    workspaceId: owner.workspaceId,
    name: `Site ${randomUUID().slice(0, 8)}`,
    config: {
      case: "web",
      value: {
        allowedOrigins: init.allowedOrigins ?? [],
        identityVerification: init.identityVerification ?? false,
      },
    },
  });
  const channel = res.channel;
  if (channel?.config.case !== "web") throw new Error("CreateChannel answered without a web channel");
  return {
    tenantId: owner.tenantId,
    workspaceId: owner.workspaceId,
    channelId: channel.id,
    siteKey: channel.config.value.siteKey,
    identitySecret: res.webIdentitySecret,
    owner,
  };
}

/** What the tenant's server computes for a logged-in user. */
export function identityHash(secret: string, userId: string): string {
  return createHmac("sha256", secret).update(userId).digest("hex");
}

/** A client address of its own (the sessions-per-address limit counts by it). */
export function someAddress(): string {
  return `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** Headers of a page on `origin` (and, once started, the visitor's token). */
export function pageHeaders(origin: string | undefined, token?: string): Record<string, string> {
  return {
    "x-forwarded-for": someAddress(),
    ...(origin === undefined ? {} : { origin }),
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
}

export async function startSession(
  client: WidgetClient,
  channel: WebChannel,
  origin: string | undefined,
  init: {
    visitor?: { userId?: string; identityHash?: string; name?: string; email?: string };
    resumeToken?: string;
    requestId?: string;
  } = {},
) {
  return client.startSession(create(StartSessionRequestSchema, { ...init, siteKey: channel.siteKey }), {
    headers: pageHeaders(origin),
  });
}

export const text = (body: string) => ({ content: { case: "text" as const, value: { body } } });

/** Reads a stream into `items` in the background until `stop()`. */
export function readStream(
  client: WidgetClient,
  token: string,
  afterCursor = "",
): { items: StreamMessagesResponse[]; messages(): string[]; stop(): Promise<void>; done: Promise<unknown> } {
  const abort = new AbortController();
  const items: StreamMessagesResponse[] = [];
  const done = (async () => {
    try {
      for await (const item of client.streamMessages(
        { afterCursor },
        { headers: pageHeaders(undefined, token), signal: abort.signal },
      )) {
        items.push(item);
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    items,
    messages: () =>
      items.flatMap((i) =>
        i.event.case === "message" && i.event.value.message?.content.case === "text"
          ? [i.event.value.message.content.value.body]
          : [],
      ),
    async stop() {
      abort.abort();
      await done;
    },
    done,
  };
}

/** What conversation publishes when it stored a web message (inbound: the widget message id is its channel id). */
export function messageStored(
  channel: WebChannel,
  init: {
    conversationId: string;
    contactId: string;
    direction: Direction;
    externalId?: string;
    body: string;
    senderKind?: SenderKind;
    messageId?: string;
  },
) {
  return create(MessageStoredSchema, {
    meta: newEventMeta({
      tenantId: channel.tenantId,
      workspaceId: channel.workspaceId,
      correlationId: randomUUID(),
    }),
    conversationId: init.conversationId,
    contactId: init.contactId,
    channelId: channel.channelId,
    channelType: ChannelType.WEB,
    message: create(ConversationMessageSchema, {
      id: init.messageId ?? randomUUID(),
      conversationId: init.conversationId,
      direction: init.direction,
      senderKind:
        init.senderKind ?? (init.direction === Direction.INBOUND ? SenderKind.CONTACT : SenderKind.AI),
      externalId: init.externalId ?? "",
      message: { content: { case: "text", value: { body: init.body } } },
      status: init.direction === Direction.OUTBOUND ? MessageStatus.SENT : MessageStatus.UNSPECIFIED,
    }),
  });
}

export function turnReady(channel: WebChannel, conversationId: string) {
  return create(TurnReadySchema, {
    meta: newEventMeta({
      tenantId: channel.tenantId,
      workspaceId: channel.workspaceId,
      correlationId: randomUUID(),
    }),
    conversationId,
    channelId: channel.channelId,
    channelType: ChannelType.WEB,
    turnEpoch: 1,
  });
}

/** The page the tests' widget runs on. */
export const SHOP = "https://shop.test";

/**
 * Plays the conversation service for a thread: its first message stored (which names the
 * conversation and contact), then replies (`reply`) as the assistant.
 */
export async function playConversation(
  h: Harness,
  channel: WebChannel,
  first: { id: string; body: string },
): Promise<{
  conversationId: string;
  reply(body: string, messageId?: string): Promise<void>;
  status(messageId: string, status: MessageStatus): Promise<void>;
}> {
  const conversationId = randomUUID();
  const contactId = randomUUID();
  const base = { conversationId, contactId };
  await h.bus.publish(
    MessageStoredSchema,
    messageStored(channel, { ...base, direction: Direction.INBOUND, externalId: first.id, body: first.body }),
  );
  return {
    conversationId,
    async reply(body, messageId = randomUUID()) {
      await h.bus.publish(
        MessageStoredSchema,
        messageStored(channel, { ...base, direction: Direction.OUTBOUND, body, messageId }),
      );
    },
    // What delivery publishes when the status of a message it sent changes.
    async status(messageId, status) {
      await h.bus.publish(
        StatusChangedSchema,
        create(StatusChangedSchema, {
          meta: newEventMeta({
            tenantId: channel.tenantId,
            workspaceId: channel.workspaceId,
            correlationId: messageId,
          }),
          conversationId,
          messageId,
          channelId: channel.channelId,
          channelType: ChannelType.WEB,
          status,
          contactId,
        }),
      );
    },
  };
}
