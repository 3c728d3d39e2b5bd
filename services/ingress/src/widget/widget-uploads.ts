import type { EntityManager } from "@atendo/db";
import type { MediaKind } from "@atendo/proto/common/v1";

/** One attachment a visitor is sending (migrations/20270104000000-widget-uploads.ts). */
export interface WidgetUploadRow {
  id: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  visitorId: string;
  filename: string;
  /** What CreateUpload was told; the bytes are checked against it. */
  declaredMimeType: string;
  sizeBytes: number;
  kind: MediaKind;
  state: "pending" | "uploaded" | "sent";
  /** The type found true in the bytes ("" until uploaded). */
  mimeType: string;
  sha256: string;
  /** Where the bytes are in the media store ("" until uploaded). */
  mediaId: string;
  messageId: string;
  expiresAt: Date;
}

export type NewWidgetUpload = Omit<
  WidgetUploadRow,
  "state" | "mimeType" | "sha256" | "mediaId" | "messageId"
> & {
  requestId?: string;
};

/** The visitor's own upload: every lookup names the thread, so another visitor's id is not found. */
export interface UploadOwner {
  channelId: string;
  visitorId: string;
}

interface Row {
  id: string;
  tenant_id: string;
  workspace_id: string;
  channel_id: string;
  visitor_id: string;
  filename: string;
  declared_mime_type: string;
  size_bytes: string | number;
  kind: number;
  state: WidgetUploadRow["state"];
  mime_type: string;
  sha256: string;
  media_id: string | null;
  message_id: string | null;
  expires_at: Date | string;
}

const rowOf = (r: Row): WidgetUploadRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  channelId: r.channel_id,
  visitorId: r.visitor_id,
  filename: r.filename,
  declaredMimeType: r.declared_mime_type,
  sizeBytes: Number(r.size_bytes),
  kind: r.kind as MediaKind,
  state: r.state,
  mimeType: r.mime_type,
  sha256: r.sha256,
  mediaId: r.media_id ?? "",
  messageId: r.message_id ?? "",
  expiresAt: new Date(r.expires_at),
});

/** `ingress.widget_uploads`, inside the caller's tenant transaction (row-level security). */
export const widgetUploads = {
  /** Inserts the upload, or returns the one a retry with the same request_id inserted first. */
  async insert(em: EntityManager, u: NewWidgetUpload): Promise<WidgetUploadRow> {
    const [row] = await em.execute<Row[]>(
      `insert into ingress.widget_uploads (id, tenant_id, workspace_id, channel_id, visitor_id, request_id,
         filename, declared_mime_type, size_bytes, kind, expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict do nothing
       returning *`,
      [
        u.id,
        u.tenantId,
        u.workspaceId,
        u.channelId,
        u.visitorId,
        u.requestId ?? null,
        u.filename,
        u.declaredMimeType,
        u.sizeBytes,
        u.kind,
        u.expiresAt,
      ],
    );
    if (row !== undefined) return rowOf(row);
    const [first] =
      u.requestId === undefined
        ? []
        : await em.execute<Row[]>(
            `select * from ingress.widget_uploads
              where channel_id = ? and visitor_id = ? and request_id = ?`,
            [u.channelId, u.visitorId, u.requestId],
          );
    if (first === undefined) throw new Error("a widget upload could not be inserted nor found");
    return rowOf(first);
  },

  /** The visitor's own upload. */
  async find(em: EntityManager, owner: UploadOwner, id: string): Promise<WidgetUploadRow | undefined> {
    const [row] = await em.execute<Row[]>(
      "select * from ingress.widget_uploads where id = ? and channel_id = ? and visitor_id = ?",
      [id, owner.channelId, owner.visitorId],
    );
    return row === undefined ? undefined : rowOf(row);
  },

  /** The visitor's upload, locked until the transaction ends (a PUT and a send take turns). */
  async lock(em: EntityManager, owner: UploadOwner, id: string): Promise<WidgetUploadRow | undefined> {
    const [row] = await em.execute<Row[]>(
      `select * from ingress.widget_uploads where id = ? and channel_id = ? and visitor_id = ? for update`,
      [id, owner.channelId, owner.visitorId],
    );
    return row === undefined ? undefined : rowOf(row);
  },

  async markUploaded(
    em: EntityManager,
    id: string,
    file: { mimeType: string; sha256: string; mediaId: string },
  ) {
    await em.execute(
      "update ingress.widget_uploads set state = 'uploaded', mime_type = ?, sha256 = ?, media_id = ? where id = ?",
      [file.mimeType, file.sha256, file.mediaId, id],
    );
  },

  async markSent(em: EntityManager, id: string, messageId: string) {
    await em.execute("update ingress.widget_uploads set state = 'sent', message_id = ? where id = ?", [
      messageId,
      id,
    ]);
  },

  /** The sent uploads of these widget messages, by message id. */
  async ofMessages(em: EntityManager, messageIds: readonly string[]): Promise<Map<string, WidgetUploadRow>> {
    if (messageIds.length === 0) return new Map();
    const rows = await em.execute<Row[]>(
      `select * from ingress.widget_uploads where message_id in (${messageIds.map(() => "?").join(", ")})`,
      [...messageIds],
    );
    return new Map(rows.map((r) => [r.message_id ?? "", rowOf(r)]));
  },
};
