import type { EntityManager } from "@atendo/db";
import type { ChannelType } from "@atendo/proto/common/v1";

/** One message's media as ingress settled it: stored (the bytes are in the store) or failed. */
export interface MediaRecord {
  id: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelType;
  externalMessageId: string;
  state: "stored" | "failed";
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  failureReason: string;
  /** Which adapter holds the bytes ("" when failed). */
  store: "" | "postgres" | "s3";
  createdAt: Date;
}

interface Row {
  id: string;
  tenant_id: string;
  workspace_id: string;
  channel_id: string;
  channel_type: number;
  external_message_id: string;
  state: "stored" | "failed";
  mime_type: string;
  size_bytes: string | number;
  sha256: string;
  failure_reason: string;
  store: "" | "postgres" | "s3";
  created_at: Date | string;
}

const fromRow = (r: Row): MediaRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  channelId: r.channel_id,
  channelType: r.channel_type,
  externalMessageId: r.external_message_id,
  state: r.state,
  mimeType: r.mime_type,
  sizeBytes: Number(r.size_bytes),
  sha256: r.sha256,
  failureReason: r.failure_reason,
  store: r.store,
  createdAt: new Date(r.created_at),
});

/** `ingress.media`, always inside the tenant's unit of work (row-level security). */
export const mediaRecords = {
  async findByMessage(em: EntityManager, channelId: string, externalMessageId: string) {
    const rows = await em.execute<Row[]>(
      "select * from ingress.media where channel_id = ? and external_message_id = ?",
      [channelId, externalMessageId],
    );
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  },

  /** The media of a workspace, or undefined (another workspace's id is simply not found). */
  async find(em: EntityManager, workspaceId: string, id: string) {
    const rows = await em.execute<Row[]>("select * from ingress.media where id = ? and workspace_id = ?", [
      id,
      workspaceId,
    ]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  },

  /** Inserts the record unless the message already has one; true when this call inserted it. */
  async insert(em: EntityManager, r: Omit<MediaRecord, "createdAt">): Promise<boolean> {
    const inserted = await em.execute<{ id: string }[]>(
      `insert into ingress.media (id, tenant_id, workspace_id, channel_id, channel_type, external_message_id,
         state, mime_type, size_bytes, sha256, failure_reason, store)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (channel_id, external_message_id) do nothing
       returning id`,
      [
        r.id,
        r.tenantId,
        r.workspaceId,
        r.channelId,
        r.channelType,
        r.externalMessageId,
        r.state,
        r.mimeType,
        r.sizeBytes,
        r.sha256,
        r.failureReason,
        r.store,
      ],
    );
    return inserted.length > 0;
  },
};
