import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import { ContactEntity, type ContactRecord } from "./contact-entity.js";

/** An address-book change of the WhatsApp Business app, for the contact with that number. */
export interface SavedNameChange {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  /** The number as WhatsApp's wa_id (digits): the contact's id on the channel. */
  waId: string;
  /** The name saved in the app; "" when the entry was removed. */
  savedName: string;
  /** When the app made the change: an older change than the one applied is ignored. */
  at: Date;
  remove: boolean;
}

export type SavedNameOutcome = { kind: "unchanged" } | { kind: "changed"; contact: ContactRecord };

/**
 * Applies an address-book change: an add creates the contact when unknown (no conversation, no
 * message) and sets its saved name; a remove clears it and keeps the contact. Changes apply in the
 * app's order, whatever order they arrive in. A remove for a number never seen changes nothing.
 */
export async function applySavedName(em: EntityManager, c: SavedNameChange): Promise<SavedNameOutcome> {
  const before = await em.findOne(ContactEntity, { channelId: c.channelId, externalId: c.waId });
  if (before === null && c.remove) return { kind: "unchanged" };
  const savedBefore = before?.savedName;
  const rows = await em.execute<Array<{ id: string }>>(
    `insert into conversation.contacts as c
       (id, tenant_id, workspace_id, channel_id, channel_type, external_id, phone, saved_name, saved_name_at)
     values (?, ?, ?, ?, 'WHATSAPP', ?, ?, ?, ?)
     on conflict (channel_id, external_id) do update set
       saved_name = excluded.saved_name,
       saved_name_at = excluded.saved_name_at,
       updated_at = case when c.saved_name is distinct from excluded.saved_name then now() else c.updated_at end
     where c.saved_name_at is null or c.saved_name_at <= excluded.saved_name_at
     returning c.id`,
    [newId(), c.tenantId, c.workspaceId, c.channelId, c.waId, `+${c.waId}`, c.savedName, c.at],
    "all",
  );
  const id = rows[0]?.id;
  if (id === undefined) return { kind: "unchanged" };
  const contact = await em.findOneOrFail(ContactEntity, { id }, { refresh: true });
  if (savedBefore !== undefined && savedBefore === contact.savedName) return { kind: "unchanged" };
  return { kind: "changed", contact };
}
