import type { MediaStore } from "@atendo/media";
import type { MediaLimits } from "../media/media-limits.js";
import type { MediaUrlSigner } from "../media/media-url-signer.js";

/** What the widget's attachments need besides the rest of the widget (docs/widget.md). */
export interface WidgetUploadDeps {
  /** Where the bytes go, under the tenant and a media id derived from the upload and its bytes. */
  mediaStore: MediaStore;
  /** Signed download URLs of sent attachments. */
  mediaUrls: MediaUrlSigner;
  /** The largest file per kind (MEDIA_MAX_BYTES_*), as for media fetched from the channels. */
  limits: MediaLimits;
  /** The public base URL upload URLs start with (the edge; MEDIA_PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  /** How long an upload URL takes the bytes. */
  uploadTtlMs: number;
}

/** The path of an upload's bytes, on the edge and on ingress. */
export const UPLOAD_PATH_PREFIX = "/v1/widget/uploads/";
