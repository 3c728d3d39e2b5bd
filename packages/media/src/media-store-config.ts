import type { Db } from "@atendo/db";
import { bool, oneOf, type Secret, secret, str, url } from "@atendo/service-kit";
import type { MediaStore } from "./media-store.js";
import { createPostgresMediaStore } from "./postgres-media-store.js";
import { createS3MediaStore } from "./s3-media-store.js";

/** The variables choosing and configuring the media store, next to a service's own spec. */
export function mediaStoreConfigSpec() {
  return {
    MEDIA_STORE: oneOf(
      "where media bytes are kept: postgres (the service's schema, for small deployments) or s3 (any S3-compatible bucket)",
      ["postgres", "s3"] as const,
    ).default("postgres"),
    S3_ENDPOINT: url("the S3-compatible endpoint; unset for AWS's own endpoint of S3_REGION", {
      protocols: ["http:", "https:"],
    }).optional(),
    S3_BUCKET: str("the bucket that keeps media (MEDIA_STORE=s3)").optional(),
    S3_REGION: str("the bucket's region (most self-hosted servers accept any)").default("us-east-1"),
    S3_ACCESS_KEY_ID: secret("the access key id of the bucket's credentials (MEDIA_STORE=s3)").optional(),
    S3_SECRET_ACCESS_KEY: secret(
      "the secret access key of the bucket's credentials (MEDIA_STORE=s3)",
    ).optional(),
    S3_FORCE_PATH_STYLE: bool(
      "address the bucket as endpoint/bucket instead of bucket.endpoint (self-hosted servers)",
    ).default(false),
    S3_KEY_PREFIX: str("prepended to every object key").default("media/"),
  };
}

export type MediaStoreConfig =
  | { kind: "postgres" }
  | {
      kind: "s3";
      endpoint: string;
      bucket: string;
      region: string;
      accessKeyId: Secret;
      secretAccessKey: Secret;
      forcePathStyle: boolean;
      keyPrefix: string;
    };

interface MediaStoreVars {
  MEDIA_STORE: "postgres" | "s3";
  S3_ENDPOINT?: string | undefined;
  S3_BUCKET?: string | undefined;
  S3_REGION: string;
  S3_ACCESS_KEY_ID?: Secret | undefined;
  S3_SECRET_ACCESS_KEY?: Secret | undefined;
  S3_FORCE_PATH_STYLE: boolean;
  S3_KEY_PREFIX: string;
}

/** The store's settings, or the problems (to join the service's ConfigError) when S3 lacks some. */
export function mediaStoreConfigOf(c: MediaStoreVars): { config: MediaStoreConfig; problems: string[] } {
  if (c.MEDIA_STORE === "postgres") return { config: { kind: "postgres" }, problems: [] };
  const problems: string[] = [];
  for (const name of ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
    if (c[name] === undefined) problems.push(`${name} is missing: MEDIA_STORE=s3 needs it`);
  }
  if (c.S3_BUCKET === undefined || c.S3_ACCESS_KEY_ID === undefined || c.S3_SECRET_ACCESS_KEY === undefined) {
    return { config: { kind: "postgres" }, problems };
  }
  return {
    config: {
      kind: "s3",
      endpoint: c.S3_ENDPOINT ?? "",
      bucket: c.S3_BUCKET,
      region: c.S3_REGION,
      accessKeyId: c.S3_ACCESS_KEY_ID,
      secretAccessKey: c.S3_SECRET_ACCESS_KEY,
      forcePathStyle: c.S3_FORCE_PATH_STYLE,
      keyPrefix: c.S3_KEY_PREFIX,
    },
    problems,
  };
}

/** The configured adapter; `close()` releases what it holds (the S3 client's sockets). */
export function createMediaStore(
  config: MediaStoreConfig,
  deps: { db: Db; schema: string },
): MediaStore & { close(): void } {
  if (config.kind === "postgres") return { ...createPostgresMediaStore(deps), close() {} };
  return createS3MediaStore({
    endpoint: config.endpoint,
    bucket: config.bucket,
    region: config.region,
    accessKeyId: config.accessKeyId.reveal(),
    secretAccessKey: config.secretAccessKey.reveal(),
    forcePathStyle: config.forcePathStyle,
    keyPrefix: config.keyPrefix,
  });
}
