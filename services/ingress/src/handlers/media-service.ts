import type { Db } from "@atendo/db";
import { type Media, MediaSchema, type MediaService } from "@atendo/proto/ingress/v1";
import { notFound, requireWorkspace } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { type MediaRecord, mediaRecords } from "../media/media-records.js";
import type { MediaUrlSigner } from "../media/media-url-signer.js";

export interface MediaServiceDeps {
  db: Db;
  mediaUrls: MediaUrlSigner;
}

/**
 * GetMedia: the policy checked the caller may read the request's workspace (a service caller, which
 * has no tenant, gets the workspace's); the media is then looked up inside that tenant and
 * workspace, so another one's id is not found. Only stored files have bytes to hand out.
 */
export function createMediaService(deps: MediaServiceDeps): ServiceImpl<typeof MediaService> {
  return {
    async getMedia(req, ctx) {
      const tenantId = await requireWorkspace(ctx, req.workspaceId);
      const record = await deps.db.withTenant(tenantId, (em) =>
        mediaRecords.find(em, req.workspaceId, req.mediaId.toLowerCase()),
      );
      if (record === undefined || record.state !== "stored") throw notFound("media", req.mediaId);
      const signed = deps.mediaUrls.sign(tenantId, record.id);
      return {
        media: toProto(record),
        downloadUrl: signed.url,
        downloadUrlExpireTime: timestampFromDate(signed.expiresAt),
      };
    },
  };
}

function toProto(r: MediaRecord): Media {
  return create(MediaSchema, {
    id: r.id,
    workspaceId: r.workspaceId,
    channelId: r.channelId,
    channelType: r.channelType,
    externalMessageId: r.externalMessageId,
    mimeType: r.mimeType,
    sizeBytes: BigInt(r.sizeBytes),
    sha256: r.sha256,
    createTime: timestampFromDate(r.createdAt),
  });
}
