import { Migration, pruneFunctionSql } from "@atendo/db";

/**
 * The widget's threads, second step.
 *
 * Versions: a message's `version` is the thread's change counter (`last_seq`) when it last changed;
 * a new status takes the next number under the thread's row lock, like a new message's seq. A
 * stream or ListMessages after a cursor reads by version, so a status change made while a stream
 * was away reaches it on its resume, once and in order. Existing rows start at their seq.
 *
 * Retention (WIDGET_RETENTION_DAYS): messages by `created_at`; sessions by `created_at` (a resume
 * of a pruned session recreates it); a visitor when idle that long (`last_seen_at`: StartSession or
 * a message) and without messages left.
 */
export class WidgetVersionsMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table ingress.widget_messages add column version bigint");
    this.addSql("update ingress.widget_messages set version = seq");
    this.addSql("alter table ingress.widget_messages alter column version set not null");
    this.addSql(
      "create unique index widget_messages_version on ingress.widget_messages (channel_id, visitor_id, version)",
    );
    this.addSql(
      "alter table ingress.widget_visitors add column last_seen_at timestamptz not null default now()",
    );

    // The prunes walk the oldest rows first; without these each run would scan the whole table.
    this.addSql("create index widget_messages_created on ingress.widget_messages (created_at)");
    this.addSql("create index widget_sessions_created on ingress.widget_sessions (created_at)");
    this.addSql("create index widget_visitors_last_seen on ingress.widget_visitors (last_seen_at)");
    for (const sql of pruneFunctionSql("ingress", "widget_messages", "created_at")) this.addSql(sql);
    for (const sql of pruneFunctionSql("ingress", "widget_sessions", "created_at")) this.addSql(sql);
    for (const sql of pruneFunctionSql(
      "ingress",
      "widget_visitors",
      "last_seen_at",
      `not exists (select 1 from ingress.widget_messages m
                    where m.channel_id = t.channel_id and m.visitor_id = t.visitor_id)`,
    )) {
      this.addSql(sql);
    }
  }
}
