import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { MediaKey, MediaMetadata, MediaStore } from "./media-store.js";

export interface S3MediaStoreOptions {
  /** Empty: AWS's own endpoint for the region. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (most self-hosted servers). */
  forcePathStyle: boolean;
  /** Prepended to every object key, e.g. "media/". */
  keyPrefix?: string;
  /** Time limit of one request. Default 30 s. */
  requestTimeoutMs?: number;
}

/** Where the SHA-256 travels: user metadata (`x-amz-meta-sha256`), which every S3 server keeps. */
const SHA256_META = "sha256";

/**
 * Only an answer naming the object missing: NoSuchKey, or the bodiless 404 of a HEAD. Any other 404
 * (NoSuchBucket; versitygw's answer to an unknown key pair) is a fault to surface, not a miss.
 */
const isMissing = (err: unknown) =>
  err instanceof S3ServiceException &&
  (err.name === "NoSuchKey" || (err.name === "NotFound" && err.$metadata.httpStatusCode === 404));

/**
 * Media bytes in an S3-compatible bucket under `<prefix><tenant id>/<media id>`: the tenant is part
 * of every key, so one tenant's id never reaches another's object. Bytes are streamed on reads.
 */
export function createS3MediaStore(options: S3MediaStoreOptions): MediaStore & { close(): void } {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint === "" ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // Self-hosted S3 servers often lack the newer flexible checksums; the SHA-256 is ours anyway.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 30_000 },
  });
  const Bucket = options.bucket;
  const keyOf = (key: MediaKey) => `${options.keyPrefix ?? ""}${key.tenantId}/${key.mediaId}`;
  const metadataOf = (res: {
    ContentType?: string | undefined;
    ContentLength?: number | undefined;
    Metadata?: Record<string, string> | undefined;
  }): MediaMetadata => ({
    mimeType: res.ContentType ?? "application/octet-stream",
    sizeBytes: res.ContentLength ?? 0,
    sha256: res.Metadata?.[SHA256_META] ?? "",
  });

  return {
    kind: "s3",
    async put(key, bytes, metadata) {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: keyOf(key),
          Body: bytes,
          ContentType: metadata.mimeType,
          ContentLength: bytes.byteLength,
          Metadata: { [SHA256_META]: metadata.sha256 },
        }),
      );
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(key) }));
        const body = res.Body instanceof Readable ? res.Body : Readable.from([]);
        return { metadata: metadataOf(res), body };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async head(key) {
      try {
        return metadataOf(await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(key) })));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(key) }));
    },
    close() {
      client.destroy();
    },
  };
}
