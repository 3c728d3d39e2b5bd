import { newId } from "@atendo/db";
import {
  type CreateUploadRequest,
  type CreateUploadResponse,
  CreateUploadResponseSchema,
  type WidgetUpload,
  WidgetUploadSchema,
  WidgetUploadState,
} from "@atendo/proto/ingress/v1";
import { invalidArgument, type VisitorPrincipal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { limitOf } from "../media/media-limits.js";
import { requireActiveChannel } from "./active-channel.js";
import { admitMessage } from "./admit-message.js";
import { UPLOAD_PATH_PREFIX, type WidgetUploadDeps } from "./upload-deps.js";
import { acceptedType, kindOfMime } from "./upload-media-type.js";
import type { WidgetDeps } from "./widget-deps.js";
import { type WidgetUploadRow, widgetUploads } from "./widget-uploads.js";

const STATES: Readonly<Record<WidgetUploadRow["state"], WidgetUploadState>> = {
  pending: WidgetUploadState.PENDING,
  uploaded: WidgetUploadState.UPLOADED,
  sent: WidgetUploadState.SENT,
};

/** An upload as the widget sees it. */
export function widgetUploadOf(
  u: WidgetUploadRow,
  deps: Pick<WidgetUploadDeps, "publicBaseUrl" | "limits">,
): WidgetUpload {
  return create(WidgetUploadSchema, {
    id: u.id,
    uploadUrl: `${deps.publicBaseUrl}${UPLOAD_PATH_PREFIX}${u.id}`,
    uploadUrlExpireTime: timestampFromDate(u.expiresAt),
    kind: u.kind,
    maxBytes: BigInt(limitOf(u.kind, deps.limits).bytes),
    state: STATES[u.state],
  });
}

/**
 * CreateUpload: a type the widget may send, within the size limit of its kind, reserved for the
 * visitor; the bytes come by PUT to the upload URL. The attachment counts as the visitor's message
 * here (the per-visitor and per-site limits), so a send of it is not counted again. A retry with the
 * same request_id returns the same upload.
 */
export function createCreateUpload(deps: WidgetDeps) {
  const { uploads } = deps;
  return async (req: CreateUploadRequest, visitor: VisitorPrincipal): Promise<CreateUploadResponse> => {
    if (!acceptedType(req.mimeType)) {
      throw invalidArgument("mime_type", `files of type ${req.mimeType} cannot be sent in the chat`);
    }
    const kind = kindOfMime(req.mimeType);
    const limit = limitOf(kind, uploads.limits);
    if (req.sizeBytes > BigInt(limit.bytes)) {
      throw invalidArgument("size_bytes", `is over the ${limit.bytes} bytes allowed for ${limit.name} files`);
    }
    await admitMessage(deps, visitor);
    await requireActiveChannel(deps, visitor);
    const row = await deps.db.withTenant(visitor.tenantId, (em) =>
      widgetUploads.insert(em, {
        id: newId(),
        tenantId: visitor.tenantId,
        workspaceId: visitor.workspaceId,
        channelId: visitor.channelId,
        visitorId: visitor.visitorId,
        filename: req.filename,
        declaredMimeType: req.mimeType,
        sizeBytes: Number(req.sizeBytes),
        kind,
        expiresAt: new Date(Date.now() + uploads.uploadTtlMs),
        ...(req.requestId === "" ? {} : { requestId: req.requestId }),
      }),
    );
    return create(CreateUploadResponseSchema, { upload: widgetUploadOf(row, uploads) });
  };
}
