import type { Db } from "@atendo/db";
import { PageResponseSchema } from "@atendo/proto/common/v1";
import {
  type ConversationService,
  GetConversationResponseSchema,
  GetTurnContextResponseSchema,
  ListConversationsResponseSchema,
  ListMessagesResponseSchema,
} from "@atendo/proto/conversation/v1";
import { callerTenant, notFound } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { channelTypeToProto, conversationStatusFromProto, handlerFromProto } from "../domain/enums.js";
import { conversationToProto, messageToProto } from "../domain/to-proto.js";
import { isTurnStale, windowExpiresAt } from "../domain/turn-rules.js";
import { contactsById, getConversation, listConversations } from "../store/conversation-reads.js";
import { listMessages, loadTurnMessages } from "../store/message-reads.js";
import { pageSize } from "../store/page-token.js";

export interface ConversationServiceDeps {
  db: Db;
}

const DEFAULT_HISTORY = 30;
const nonEmpty = (s: string) => (s === "" ? undefined : s);

/**
 * The inbox reads (public: the caller's tenant, inside the request's workspace) and the ai
 * service's turn context (internal: the tenant named by the request).
 */
export function createConversationService(
  deps: ConversationServiceDeps,
): Partial<ServiceImpl<typeof ConversationService>> {
  const { db } = deps;

  return {
    async getConversation(req, ctx) {
      const tenantId = callerTenant(ctx);
      const found = await db.withTenant(tenantId, (em) =>
        getConversation(em, req.workspaceId, req.conversationId),
      );
      if (found === undefined) throw notFound("conversation", req.conversationId);
      return create(GetConversationResponseSchema, {
        conversation: conversationToProto(found.conversation, found.contact),
      });
    },

    async listConversations(req, ctx) {
      const tenantId = callerTenant(ctx);
      const statuses = req.statuses.flatMap((s) => conversationStatusFromProto(s) ?? []);
      const page = await db.withTenant(tenantId, async (em) => {
        const p = await listConversations(
          em,
          {
            workspaceId: req.workspaceId,
            statuses,
            handler: handlerFromProto(req.handler),
            assigneeUserId: nonEmpty(req.assigneeUserId),
            unassigned: req.unassigned,
            channelId: nonEmpty(req.channelId),
            contactId: nonEmpty(req.contactId),
            tag: nonEmpty(req.tag),
            query: nonEmpty(req.query.trim()),
          },
          { size: pageSize(req.page?.pageSize), token: req.page?.pageToken },
        );
        const contacts = await contactsById(
          em,
          p.items.map((c) => c.contactId),
        );
        return { ...p, contacts };
      });
      return create(ListConversationsResponseSchema, {
        conversations: page.items.map((c) => conversationToProto(c, page.contacts.get(c.contactId))),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async listMessages(req, ctx) {
      const tenantId = callerTenant(ctx);
      const page = await db.withTenant(tenantId, async (em) => {
        const found = await getConversation(em, req.workspaceId, req.conversationId);
        if (found === undefined) return undefined;
        return listMessages(em, req.conversationId, {
          size: pageSize(req.page?.pageSize),
          token: req.page?.pageToken,
          oldestFirst: req.oldestFirst,
        });
      });
      if (page === undefined) throw notFound("conversation", req.conversationId);
      return create(ListMessagesResponseSchema, {
        messages: page.items.map(messageToProto),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async getTurnContext(req) {
      const historyLimit = req.historyLimit === 0 ? DEFAULT_HISTORY : req.historyLimit;
      const result = await db.withTenant(req.tenantId, async (em) => {
        const found = await getConversation(em, undefined, req.conversationId);
        if (found === undefined) return undefined;
        const messages = await loadTurnMessages(em, req.conversationId, req.messageIds, historyLimit);
        return { ...found, ...messages };
      });
      if (result === undefined) throw notFound("conversation", req.conversationId);
      const { conversation, contact } = result;
      const conversationProto = conversationToProto(conversation, contact);
      const expires = windowExpiresAt(conversation.channelType, conversation.lastInboundAt);
      return create(GetTurnContextResponseSchema, {
        conversation: conversationProto,
        contact: conversationProto.contact,
        history: result.history.map(messageToProto),
        turnMessages: result.turn.map(messageToProto),
        stale: isTurnStale(conversation, req.turnEpoch),
        windowExpiresAt: expires ? timestampFromDate(expires) : undefined,
        channelType: channelTypeToProto(conversation.channelType),
      });
    },
  };
}
