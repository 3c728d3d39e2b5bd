import type { Db } from "@atendo/db";
import {
  type ConversationService,
  GetConversationResponseSchema,
  ListConversationsResponseSchema,
  ListMessagesResponseSchema,
} from "@atendo/proto/conversation/v1";
import { callerTenant, filterKey, notFound, pageOf, pageSizeOf } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { conversationStatusFromProto, handlerFromProto } from "../domain/enums.js";
import { conversationToProto, messageToProto } from "../domain/to-proto.js";
import { contactsById, getConversation, listConversations } from "../store/conversation-reads.js";
import { previousVersionsOf } from "../store/message-changes.js";
import { listMessages } from "../store/message-reads.js";
import { timeKeyCursor, timeKeyOf } from "./keyset-page.js";

export interface ConversationServiceDeps {
  db: Db;
}

const nonEmpty = (s: string) => (s === "" ? undefined : s);

/** The inbox reads: the caller's tenant, inside the request's workspace. */
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
      const filter = {
        workspaceId: req.workspaceId,
        statuses: req.statuses.flatMap((s) => conversationStatusFromProto(s) ?? []),
        handler: handlerFromProto(req.handler),
        assigneeUserId: nonEmpty(req.assigneeUserId),
        unassigned: req.unassigned,
        channelId: nonEmpty(req.channelId),
        contactId: nonEmpty(req.contactId),
        tag: nonEmpty(req.tag),
        query: nonEmpty(req.query.trim()),
      };
      const key = filterKey({ list: "conversations", ...filter, statuses: [...filter.statuses].sort() });
      const after = timeKeyOf(req.pageToken, key);
      const size = pageSizeOf(req.pageSize);
      const { page, contacts } = await db.withTenant(tenantId, async (em) => {
        const rows = await listConversations(em, filter, {
          limit: size + 1,
          after: after && { lastMessageAt: after.at, id: after.id },
        });
        const page = pageOf(rows, size, key, (c) => timeKeyCursor(c.lastMessageAt, c.id));
        return {
          page,
          contacts: await contactsById(
            em,
            page.items.map((c) => c.contactId),
          ),
        };
      });
      return create(ListConversationsResponseSchema, {
        conversations: page.items.map((c) => conversationToProto(c, contacts.get(c.contactId))),
        nextPageToken: page.nextPageToken,
      });
    },

    async listMessages(req, ctx) {
      const tenantId = callerTenant(ctx);
      const key = filterKey({
        list: "messages",
        workspaceId: req.workspaceId,
        conversationId: req.conversationId,
        oldestFirst: req.oldestFirst,
      });
      const after = timeKeyOf(req.pageToken, key);
      const size = pageSizeOf(req.pageSize);
      const listed = await db.withTenant(tenantId, async (em) => {
        const found = await getConversation(em, req.workspaceId, req.conversationId);
        if (found === undefined) return undefined;
        const rows = await listMessages(em, req.conversationId, {
          limit: size + 1,
          after: after && { sortAt: after.at, id: after.id },
          oldestFirst: req.oldestFirst,
        });
        const page = pageOf(rows, size, key, (m) => timeKeyCursor(m.sortAt, m.id));
        return { page, versions: await previousVersionsOf(em, page.items) };
      });
      if (listed === undefined) throw notFound("conversation", req.conversationId);
      const { page, versions } = listed;
      return create(ListMessagesResponseSchema, {
        messages: page.items.map((m) => messageToProto(m, versions.get(m.id))),
        nextPageToken: page.nextPageToken,
      });
    },
  };
}
