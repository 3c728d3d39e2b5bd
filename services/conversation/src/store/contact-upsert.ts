import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import type { ContactState } from "../domain/to-proto.js";

/** What a channel message says about its customer: some of the contact's fields. */
export interface ContactSighting
  extends Pick<
    ContactState,
    | "tenantId"
    | "workspaceId"
    | "channelId"
    | "channelType"
    | "externalId"
    | "displayName"
    | "username"
    | "phone"
    | "email"
  > {
  /** When the customer wrote; null for echoes (the business wrote). */
  seenAt: Date | null;
  /**
   * Whether the sighting's profile (name, username) replaces the stored one: the customer's own
   * messages carry their current profile, echoes at best a copy.
   */
  authoritative: boolean;
}

/**
 * Creates the contact or refreshes what the channel says about it, and returns its id. The upsert
 * also row-locks the contact until commit, which serialises every message of one customer on one
 * channel: the duplicate check, conversation lookup and epoch bump that follow cannot race.
 */
export async function upsertContact(em: EntityManager, s: ContactSighting): Promise<string> {
  // new_* are what the row becomes; updated_at only moves when a profile field really changed.
  const name = s.authoritative
    ? "coalesce(nullif(excluded.display_name, ''), c.display_name)"
    : "coalesce(nullif(c.display_name, ''), excluded.display_name)";
  const username = s.authoritative
    ? "coalesce(nullif(excluded.username, ''), c.username)"
    : "coalesce(nullif(c.username, ''), excluded.username)";
  const phone = "coalesce(nullif(c.phone, ''), excluded.phone)";
  const email = "coalesce(nullif(c.email, ''), excluded.email)";
  const rows = await em.execute<Array<{ id: string }>>(
    `insert into conversation.contacts as c
       (id, tenant_id, workspace_id, channel_id, channel_type, external_id,
        display_name, username, phone, email, last_seen_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (channel_id, external_id) do update set
       display_name = ${name},
       username = ${username},
       phone = ${phone},
       email = ${email},
       last_seen_at = greatest(c.last_seen_at, excluded.last_seen_at),
       updated_at = case
         when (${name}, ${username}, ${phone}, ${email}) is distinct from (c.display_name, c.username, c.phone, c.email)
         then now() else c.updated_at end
     returning c.id`,
    [
      newId(),
      s.tenantId,
      s.workspaceId,
      s.channelId,
      s.channelType,
      s.externalId,
      s.displayName,
      s.username,
      s.phone,
      s.email,
      s.seenAt,
    ],
    "all",
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error("contact upsert returned no row");
  return id;
}
