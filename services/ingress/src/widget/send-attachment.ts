import { newId } from "@atendo/db";
import {
  ChannelType,
  MediaContentSchema,
  MediaInputSchema,
  MediaKind,
  MediaRefSchema,
  MediaState,
  MessageInputSchema,
  MessageSchema,
} from "@atendo/proto/common/v1";
import {
  type SendAttachmentRequest,
  type SendAttachmentResponse,
  SendAttachmentResponseSchema,
} from "@atendo/proto/ingress/v1";
import { failedPrecondition, invalidArgument, notFound, type VisitorPrincipal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { mediaRecords } from "../media/media-records.js";
import { requireActiveChannel } from "./active-channel.js";
import type { AttachmentView } from "./attachment-view.js";
import { appendVisitorMessage } from "./visitor-message.js";
import type { WidgetDeps } from "./widget-deps.js";
import type { WidgetUploadRow } from "./widget-uploads.js";
import { widgetUploads } from "./widget-uploads.js";
import { widgetMessageOf } from "./widget-view.js";

/** What the widget shows: the file as the visitor sent it (its URL is signed when read). */
const inputOf = (u: WidgetUploadRow, caption: string) =>
  create(MessageInputSchema, {
    content: {
      case: "media",
      value: create(MediaInputSchema, { kind: u.kind, mimeType: u.mimeType, filename: u.filename, caption }),
    },
  });

/**
 * What the pipeline gets: media already STORED under its media id (also the web channel's own id of
 * the file), so conversation does not wait for it and the media fetcher skips it.
 */
const contentOf = (u: WidgetUploadRow, caption: string) =>
  create(MessageSchema, {
    content: {
      case: "media",
      value: create(MediaContentSchema, {
        kind: u.kind,
        caption,
        media: create(MediaRefSchema, {
          channelMediaId: u.mediaId,
          mediaId: u.mediaId,
          state: MediaState.STORED,
          mimeType: u.mimeType,
          sha256: u.sha256,
          sizeBytes: u.sizeBytes,
          filename: u.filename,
        }),
      }),
    },
  });

/**
 * SendAttachment: an uploaded file becomes the visitor's message, in the same transaction as its
 * media record (GetMedia finds it like fetched media), the upload marked sent and the
 * MessageReceived in the outbox. The upload's row lock makes a send once: a retry (same request_id,
 * or the same upload again) returns the first message. The upload already counted against the
 * visitor's and site's limits.
 */
export function createSendAttachment(deps: WidgetDeps, attachments: AttachmentView) {
  return async (req: SendAttachmentRequest, visitor: VisitorPrincipal): Promise<SendAttachmentResponse> => {
    await requireActiveChannel(deps, visitor);
    const thread = { channelId: visitor.channelId, visitorId: visitor.visitorId };
    const { message, created } = await deps.db.withTenant(visitor.tenantId, async (em) => {
      const upload = await widgetUploads.lock(em, thread, req.uploadId.toLowerCase());
      if (upload === undefined) throw notFound("upload", req.uploadId);
      if (upload.state === "sent") {
        const first = await deps.store.message(em, visitor.channelId, visitor.visitorId, upload.messageId);
        if (first === undefined) throw new Error("a sent upload's message is not in its thread");
        return { message: first, created: false };
      }
      if (upload.state === "pending") {
        throw failedPrecondition("the file has not been uploaded yet: PUT its bytes to the upload_url first");
      }
      if (req.caption !== "" && upload.kind === MediaKind.AUDIO) {
        throw invalidArgument("caption", "audio cannot have a caption");
      }
      await deps.store.ensureVisitor(em, {
        tenantId: visitor.tenantId,
        ...thread,
        verified: visitor.verified,
      });
      const appended = await appendVisitorMessage(deps, em, visitor, {
        id: newId(),
        input: inputOf(upload, req.caption),
        content: contentOf(upload, req.caption),
        requestId: req.requestId,
      });
      if (appended.created) {
        await mediaRecords.insert(em, {
          id: upload.mediaId,
          tenantId: visitor.tenantId,
          workspaceId: upload.workspaceId,
          channelId: visitor.channelId,
          channelType: ChannelType.WEB,
          externalMessageId: appended.message.id,
          state: "stored",
          mimeType: upload.mimeType,
          sizeBytes: upload.sizeBytes,
          sha256: upload.sha256,
          failureReason: "",
          store: deps.uploads.mediaStore.kind,
        });
        await widgetUploads.markSent(em, upload.id, appended.message.id);
      }
      return appended;
    });
    if (created) deps.hub.signal(thread, { kind: "messages" });
    const [view] = await attachments(visitor, [widgetMessageOf(message)]);
    return create(SendAttachmentResponseSchema, { message: view });
  };
}
