import { Migration, tenantRls } from "@atendo/db";

/**
 * What the channels send after a message: edits and deletions (with every earlier version kept),
 * imported history, the address book's saved names, and changes that arrive before their message.
 */
export class Migration20261228000000ChannelChanges extends Migration {
  override async up() {
    this.addSql(`alter table conversation.messages
      add column history boolean not null default false,
      add column edited_at timestamptz,
      add column edit_number int not null default 0,
      add column edit_count int not null default 0,
      add column deleted_at timestamptz`);

    // Every content a message had: the original (change_key 'original') and each edit, whichever
    // order they arrived in. The message row holds the newest; these are read for its history.
    this.addSql(`create table conversation.message_versions (
      id uuid primary key,
      tenant_id uuid not null,
      message_id uuid not null references conversation.messages (id) on delete cascade,
      change_key text not null,
      edit_number int not null default 0,
      written_at timestamptz not null,
      content bytea not null,
      created_at timestamptz not null default now(),
      constraint message_versions_change unique (message_id, change_key))`);

    // Edits, deletions and stored media that arrived before the message they name: applied (and
    // deleted) when the message is stored. One row per change, however often it is redelivered.
    this.addSql(`create table conversation.early_changes (
      id uuid primary key,
      tenant_id uuid not null,
      channel_id uuid not null,
      target_external_id text not null,
      change_key text not null,
      event bytea not null,
      occurred_at timestamptz not null,
      created_at timestamptz not null default now(),
      constraint early_changes_change unique (channel_id, target_external_id, change_key))`);

    // The WhatsApp Business app's address book (coexistence), apart from the profile name; the
    // time of the last change applied, so a late add never undoes a newer remove.
    this.addSql(`alter table conversation.contacts
      add column saved_name text not null default '',
      add column saved_name_at timestamptz`);

    for (const table of ["message_versions", "early_changes"]) {
      for (const s of tenantRls(`conversation.${table}`)) this.addSql(s);
    }
  }
}
