import type { EntityManager } from "@atendo/db";
import { type FilterQuery, raw } from "@mikro-orm/core";
import type { ConversationStatusName, HandlerName } from "../domain/enums.js";
import { ContactEntity, type ContactRecord } from "./contact-entity.js";
import { ConversationEntity, type ConversationRecord } from "./conversation-entity.js";

export interface ConversationFilter {
  workspaceId: string;
  statuses: ConversationStatusName[];
  handler: HandlerName | undefined;
  assigneeUserId: string | undefined;
  unassigned: boolean;
  channelId: string | undefined;
  contactId: string | undefined;
  tag: string | undefined;
  query: string | undefined;
}

/** Where a page of a keyset list starts: after the row with these sort values. */
export interface ConversationsAfter {
  lastMessageAt: Date;
  id: string;
}

/** `%text%` for ILIKE with the pattern characters of the text escaped. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function whereOf(f: ConversationFilter): FilterQuery<ConversationRecord> {
  const where: FilterQuery<ConversationRecord> & Record<string, unknown> = {
    workspaceId: f.workspaceId,
    // A conversation opened ahead of its first message (a widget session) joins the inbox with it.
    [raw(
      (alias) => `exists (select 1 from conversation.messages m0 where m0.conversation_id = ${alias}.id)`,
    )]: [],
  };
  if (f.statuses.length > 0) where.status = { $in: f.statuses };
  if (f.handler !== undefined) where.handler = f.handler;
  if (f.assigneeUserId !== undefined) where.assigneeUserId = f.assigneeUserId;
  if (f.unassigned) where.assigneeUserId = null;
  if (f.channelId !== undefined) where.channelId = f.channelId;
  if (f.contactId !== undefined) where.contactId = f.contactId;
  if (f.tag !== undefined) where.tags = { $contains: [f.tag] };
  if (f.query !== undefined) {
    const p = containsPattern(f.query);
    where.$or = [
      { lastMessagePreview: { $ilike: p } },
      {
        [raw(
          (alias) => `exists (select 1 from conversation.contacts k where k.id = ${alias}.contact_id
            and (k.name ilike ? or k.display_name ilike ? or k.phone ilike ? or k.email ilike ? or k.username ilike ?))`,
          [p, p, p, p, p],
        )]: [],
      },
      {
        [raw(
          (alias) => `exists (select 1 from conversation.messages m where m.conversation_id = ${alias}.id
            and m.text ilike ?)`,
          [p],
        )]: [],
      },
    ];
  }
  return where;
}

/** Up to `limit` conversations, newest activity first (keyset on last_message_at, id). */
export async function listConversations(
  em: EntityManager,
  filter: ConversationFilter,
  page: { limit: number; after: ConversationsAfter | undefined },
): Promise<ConversationRecord[]> {
  const cursor = await em.findByCursor(ConversationEntity, {
    where: whereOf(filter),
    orderBy: { lastMessageAt: "desc", id: "desc" },
    first: page.limit,
    ...(page.after === undefined ? {} : { after: { ...page.after } }),
    includeCount: false,
  });
  return [...cursor.items];
}

export async function contactsById(em: EntityManager, ids: string[]): Promise<Map<string, ContactRecord>> {
  if (ids.length === 0) return new Map();
  const contacts = await em.find(ContactEntity, { id: { $in: [...new Set(ids)] } });
  return new Map(contacts.map((c) => [c.id, c]));
}

export async function getConversation(
  em: EntityManager,
  workspaceId: string | undefined,
  conversationId: string,
): Promise<{ conversation: ConversationRecord; contact: ContactRecord } | undefined> {
  const conversation = await em.findOne(ConversationEntity, {
    id: conversationId,
    ...(workspaceId === undefined ? {} : { workspaceId }),
  });
  if (conversation === null) return undefined;
  const contact = await em.findOneOrFail(ContactEntity, { id: conversation.contactId });
  return { conversation, contact };
}
