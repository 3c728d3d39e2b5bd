import { Migration } from "@atendo/db";

/** WhatsApp coexistence: the progress of importing a number's past chats, on its channel row. */
export class Migration20261228000000HistoryImport extends Migration {
  override up(): void {
    this.addSql("alter table tenant.channels add column history_import jsonb");
  }
}
