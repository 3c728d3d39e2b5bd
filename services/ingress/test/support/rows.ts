import { adminQuery } from "@atendo/testing";

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
