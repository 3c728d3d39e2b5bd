import { type MediaStoreConfig, mediaStoreConfigOf, mediaStoreConfigSpec } from "@atendo/media";
import { bool, int, Secret, secret, str, url } from "@atendo/service-kit";
import type { MediaRetry } from "./media-fetch-consumer.js";
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from "./media-limits.js";

/**
 * Local development only: a well-known key so `npm run dev` needs no setup. Production refuses to
 * start without MEDIA_URL_KEY (anyone knowing the key could sign download URLs).
 */
const DEV_MEDIA_URL_KEY = "atendo-ingress-dev-media-url-signing-key";

const MB = 1024 * 1024;

/** The media variables of ingress (the fetcher, the store, the signed download URLs). */
export function mediaConfigSpec() {
  return {
    ...mediaStoreConfigSpec(),
    MEDIA_FETCH_CONCURRENCY: int("media files fetched at once by one process", { min: 1, max: 256 }).default(
      4,
    ),
    MEDIA_FETCH_TIMEOUT_MS: int("time limit of one request to a channel's media host", { min: 100 }).default(
      30_000,
    ),
    MEDIA_FETCH_MAX_ATTEMPTS: int("attempts at a media file (5xx, timeouts) before it is FAILED", {
      min: 1,
      max: 50,
    }).default(5),
    MEDIA_FETCH_RETRY_INITIAL_MS: int("the pause after a failed media attempt (doubles each time)", {
      min: 1,
    }).default(2_000),
    MEDIA_FETCH_RETRY_MAX_MS: int("the longest pause between two media attempts", { min: 1 }).default(60_000),
    MEDIA_FETCH_USER_AGENT: str("the User-Agent of media downloads (Meta's CDN requires one)").default(
      "atendo-ingress/0.1",
    ),
    MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: bool(
      "let media downloads reach private and loopback addresses (local fakes only; never in production)",
    ).default(false),
    MEDIA_MAX_BYTES_AUDIO: int("the largest audio file kept", { min: 1 }).default(DEFAULT_MEDIA_LIMITS.audio),
    MEDIA_MAX_BYTES_IMAGE: int("the largest image kept", { min: 1 }).default(DEFAULT_MEDIA_LIMITS.image),
    MEDIA_MAX_BYTES_VIDEO: int("the largest video kept", { min: 1 }).default(DEFAULT_MEDIA_LIMITS.video),
    MEDIA_MAX_BYTES_DOCUMENT: int("the largest document kept", { min: 1, max: 512 * MB }).default(
      DEFAULT_MEDIA_LIMITS.document,
    ),
    MEDIA_MAX_BYTES_STICKER: int("the largest sticker kept", { min: 1 }).default(
      DEFAULT_MEDIA_LIMITS.sticker,
    ),
    MEDIA_URL_KEY: secret("the key signing media download URLs (HMAC-SHA256)", { minLength: 32 }).optional(),
    MEDIA_URL_TTL_SECONDS: int("how long a signed media download URL works", {
      min: 10,
      max: 86_400,
    }).default(300),
    MEDIA_PUBLIC_BASE_URL: url("the public base URL media download URLs start with (the edge)", {
      protocols: ["http:", "https:"],
    }).default("http://127.0.0.1:7100"),
  };
}

export interface MediaConfig {
  store: MediaStoreConfig;
  fetchConcurrency: number;
  fetchTimeoutMs: number;
  retry: MediaRetry;
  userAgent: string;
  allowPrivateNetworks: boolean;
  limits: MediaLimits;
  urlKey: Secret;
  urlTtlSeconds: number;
  publicBaseUrl: string;
}

type MediaVars = Parameters<typeof mediaStoreConfigOf>[0] & {
  MEDIA_FETCH_CONCURRENCY: number;
  MEDIA_FETCH_TIMEOUT_MS: number;
  MEDIA_FETCH_MAX_ATTEMPTS: number;
  MEDIA_FETCH_RETRY_INITIAL_MS: number;
  MEDIA_FETCH_RETRY_MAX_MS: number;
  MEDIA_FETCH_USER_AGENT: string;
  MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: boolean;
  MEDIA_MAX_BYTES_AUDIO: number;
  MEDIA_MAX_BYTES_IMAGE: number;
  MEDIA_MAX_BYTES_VIDEO: number;
  MEDIA_MAX_BYTES_DOCUMENT: number;
  MEDIA_MAX_BYTES_STICKER: number;
  MEDIA_URL_KEY?: Secret | undefined;
  MEDIA_URL_TTL_SECONDS: number;
  MEDIA_PUBLIC_BASE_URL: string;
};

/**
 * Checked before the rest of the environment, so one error names it with the other missing keys:
 * production signs download URLs with its own key.
 */
export function mediaKeyProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const missing = (env.MEDIA_URL_KEY?.trim() ?? "") === "";
  return missing && env.NODE_ENV?.trim() === "production"
    ? ["MEDIA_URL_KEY is missing: production needs its own key to sign media download URLs"]
    : [];
}

/** The media settings and the problems to report with the others (S3 without a bucket or keys). */
export function mediaConfigOf(c: MediaVars): { config: MediaConfig; problems: string[] } {
  const { config: store, problems } = mediaStoreConfigOf(c);
  if (c.MEDIA_FETCH_RETRY_MAX_MS < c.MEDIA_FETCH_RETRY_INITIAL_MS) {
    problems.push("MEDIA_FETCH_RETRY_MAX_MS is invalid: expected at least MEDIA_FETCH_RETRY_INITIAL_MS");
  }
  return {
    config: {
      store,
      fetchConcurrency: c.MEDIA_FETCH_CONCURRENCY,
      fetchTimeoutMs: c.MEDIA_FETCH_TIMEOUT_MS,
      retry: {
        maxAttempts: c.MEDIA_FETCH_MAX_ATTEMPTS,
        initialMs: c.MEDIA_FETCH_RETRY_INITIAL_MS,
        maxMs: c.MEDIA_FETCH_RETRY_MAX_MS,
      },
      userAgent: c.MEDIA_FETCH_USER_AGENT,
      allowPrivateNetworks: c.MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS,
      limits: {
        audio: c.MEDIA_MAX_BYTES_AUDIO,
        image: c.MEDIA_MAX_BYTES_IMAGE,
        video: c.MEDIA_MAX_BYTES_VIDEO,
        document: c.MEDIA_MAX_BYTES_DOCUMENT,
        sticker: c.MEDIA_MAX_BYTES_STICKER,
      },
      urlKey: c.MEDIA_URL_KEY ?? new Secret(DEV_MEDIA_URL_KEY),
      urlTtlSeconds: c.MEDIA_URL_TTL_SECONDS,
      publicBaseUrl: c.MEDIA_PUBLIC_BASE_URL.replace(/\/+$/, ""),
    },
    problems,
  };
}
