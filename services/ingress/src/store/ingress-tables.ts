import type { StoredChannelType, StoredStatus } from "../domain/webhook-status.js";

/** ingress.webhook_events as Kysely sees it (snake_case columns). */
export interface WebhookEventsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  channel_id: string;
  channel_type: StoredChannelType;
  status: StoredStatus;
  reason: string;
  body: Buffer;
  body_size: number;
  message_count: number;
  status_count: number;
  /** Written as a Date; selected as text (the ORM's pg setup leaves timestamps unparsed). */
  received_at: Date;
  processed_at: Date | null;
}

/** The tables of the ingress schema, for `em.getKysely<IngressTables>().withSchema("ingress")`. */
export interface IngressTables {
  webhook_events: WebhookEventsTable;
}
