import { Direction } from "@atendo/proto/common/v1";
import { WidgetAttachmentSchema, type WidgetMessage } from "@atendo/proto/ingress/v1";
import type { VisitorPrincipal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { WidgetDeps } from "./widget-deps.js";
import { widgetUploads } from "./widget-uploads.js";

/**
 * Gives the visitor's attachments among `messages` a fresh signed download URL (in `attachment` and
 * `message.media.url`), never a path into the store: the thread stores the file by its upload, and
 * a URL lives only MEDIA_URL_TTL_SECONDS. Messages without one cost no query. Mutates and returns
 * `messages`.
 */
export function createAttachmentView(deps: Pick<WidgetDeps, "db" | "uploads">) {
  return async (visitor: VisitorPrincipal, messages: WidgetMessage[]): Promise<WidgetMessage[]> => {
    const ids = messages
      .filter((m) => m.direction === Direction.INBOUND && m.message?.content.case === "media")
      .map((m) => m.id);
    if (ids.length === 0) return messages;
    const uploads = await deps.db.withTenant(visitor.tenantId, (em) => widgetUploads.ofMessages(em, ids));
    for (const m of messages) {
      const upload = uploads.get(m.id);
      const content = m.message?.content;
      if (upload === undefined || content?.case !== "media") continue;
      const signed = deps.uploads.mediaUrls.sign(visitor.tenantId, upload.mediaId);
      content.value.url = signed.url;
      m.attachment = create(WidgetAttachmentSchema, {
        mediaId: upload.mediaId,
        downloadUrl: signed.url,
        downloadUrlExpireTime: timestampFromDate(signed.expiresAt),
        mimeType: upload.mimeType,
        sizeBytes: BigInt(upload.sizeBytes),
        filename: upload.filename,
      });
    }
    return messages;
  };
}

export type AttachmentView = ReturnType<typeof createAttachmentView>;
