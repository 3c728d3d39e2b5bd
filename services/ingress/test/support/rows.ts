import { adminQuery, waitFor } from "@atendo/testing";

export type WebhookRow = {
  id: string;
  tenant_id: string;
  workspace_id: string;
  channel_id: string;
  channel_type: string;
  status: string;
  reason: string;
  body: Buffer;
  body_size: number;
  message_count: number;
  status_count: number;
  received_at: Date;
  processed_at: Date | null;
};

/** Every stored delivery of a channel, oldest first (as the superuser: sees every tenant). */
export function rowsOf(channelId: string): Promise<WebhookRow[]> {
  return adminQuery<WebhookRow>("select * from ingress.webhook_events where channel_id = $1 order by id", [
    channelId,
  ]);
}

/**
 * The deliveries of a channel once none is `queued` any more: ingress answers 200 as soon as a
 * delivery is stored and published, and marks its row accepted just after, off the request path.
 */
export function settledRowsOf(channelId: string): Promise<WebhookRow[]> {
  return waitFor(
    async () => {
      const rows = await rowsOf(channelId);
      return rows.every((r) => r.status !== "queued") ? { rows } : undefined;
    },
    { timeoutMs: 5_000, message: `the webhook rows of ${channelId} to leave "queued"` },
  ).then((r) => r.rows);
}
