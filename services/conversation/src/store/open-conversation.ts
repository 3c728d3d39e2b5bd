import type { EntityManager } from "@atendo/db";
import type { ChannelTypeName } from "../domain/enums.js";
import { upsertContact } from "./contact-upsert.js";
import { findOrOpenConversation } from "./conversation-lookup.js";

/** A channel identity whose conversation another service opens ahead of its first message. */
export interface ConversationOpening {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelTypeName;
  contact: { externalId: string; displayName: string; email: string };
}

/**
 * The contact and current conversation of a channel identity, created when missing, with the very
 * functions a received message goes through (upsertContact, then findOrOpenConversation under the
 * contact's row lock), so concurrent openings and messages of one identity meet one contact and one
 * conversation. A resolved conversation stays resolved: the next message reopens it.
 */
export async function openConversation(
  em: EntityManager,
  o: ConversationOpening,
): Promise<{ contactId: string; conversationId: string }> {
  const now = new Date();
  const contactId = await upsertContact(em, {
    tenantId: o.tenantId,
    workspaceId: o.workspaceId,
    channelId: o.channelId,
    channelType: o.channelType,
    externalId: o.contact.externalId,
    displayName: o.contact.displayName,
    username: "",
    phone: "",
    email: o.contact.email,
    // The customer is on the channel now, and says this about themselves, like in their messages.
    seenAt: now,
    authoritative: true,
  });
  const { conversation } = await findOrOpenConversation(
    em,
    {
      tenantId: o.tenantId,
      workspaceId: o.workspaceId,
      channelId: o.channelId,
      channelType: o.channelType,
      contactId,
    },
    now,
    { reopen: false },
  );
  // Flushed here: the caller answers with the ids once the transaction commits.
  await em.flush();
  return { contactId, conversationId: conversation.id };
}
