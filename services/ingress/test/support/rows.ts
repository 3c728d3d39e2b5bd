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
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string;
  body_sha256: Buffer | null;
  source_ip: string;
  request_headers: Record<string, string>;
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

/**
 * Stores deliveries as if ingress had left them so (as the superuser): `count` rows of the channel
 * with the same body and status (default `queued`), received `agoMs` before now. Returns their ids.
 */
export async function insertRows(
  channel: { tenantId: string; workspaceId: string; channelId: string },
  body: Buffer,
  options: {
    count?: number;
    agoMs?: number;
    status?: "queued" | "held" | "accepted" | "rejected" | "failed" | "ignored" | "throttled";
    reason?: string;
    channelType?: "whatsapp" | "instagram";
  } = {},
): Promise<string[]> {
  const rows = await adminQuery<{ id: string }>(
    `insert into ingress.webhook_events
       (id, tenant_id, workspace_id, channel_id, channel_type, status, reason, body, body_size, received_at)
     select gen_random_uuid(), $1, $2, $3, $10, $4, $5, $6, $7,
            now() - make_interval(secs => $8::double precision / 1000)
       from generate_series(1, $9)
     returning id`,
    [
      channel.tenantId,
      channel.workspaceId,
      channel.channelId,
      options.status ?? "queued",
      options.reason ?? "",
      body,
      body.length,
      options.agoMs ?? 0,
      options.count ?? 1,
      options.channelType ?? "whatsapp",
    ],
  );
  return rows.map((r) => r.id);
}
