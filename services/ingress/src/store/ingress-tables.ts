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
  /** Failed attempts to publish the row's events. */
  attempts: number;
  /** While queued: when the sweeper may try it (null: from received_at). */
  next_attempt_at: Date | null;
  last_error: string;
  /** SHA-256 of the whole body as received (rejected rows keep only its first bytes). */
  body_sha256: Buffer | null;
  source_ip: string;
  /** Written as an object (pg sends it as JSON). */
  request_headers: Record<string, string>;
}

/** The tables of the ingress schema, for `em.getKysely<IngressTables>().withSchema("ingress")`. */
export interface IngressTables {
  webhook_events: WebhookEventsTable;
}
