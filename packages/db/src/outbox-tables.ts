import type { Generated } from "kysely";

/** The outbox table as Kysely sees it (see outboxTableSql). */
export interface OutboxTables {
  outbox: {
    id: Generated<string>;
    tenant_id: string;
    subject: string;
    msg_id: string;
    event_type: string;
    data: Buffer;
    status: Generated<"pending" | "published" | "failed">;
    attempts: Generated<number>;
    next_attempt_at: Generated<Date>;
    last_error: string | null;
    created_at: Generated<Date>;
    published_at: Date | null;
  };
}
