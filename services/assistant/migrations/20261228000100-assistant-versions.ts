import { Migration } from "@atendo/db";

/** A version per assistant, bumped by every update: its etag (AIP-154) is computed from it. */
export class Migration20261228000100AssistantVersions extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table assistant.assistants add column version integer not null default 1");
  }
}
