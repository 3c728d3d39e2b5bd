import {
  type AuthConfig,
  authConfigOf,
  authConfigSpec,
  type CommonConfig,
  ConfigError,
  type ConfigOf,
  commonConfigOf,
  commonConfigSpec,
  int,
  type RedisConfig,
  readConfig,
  redisConfigOf,
  redisConfigSpec,
  Secret,
  secret,
  url,
} from "@atendo/service-kit";
import { parseChannelCacheKey } from "./domain/channel-cache-key.js";

/**
 * Local development only: a well-known key so `npm run dev` needs no setup. Production refuses to
 * start without CHANNEL_CACHE_KEY.
 */
const DEV_CHANNEL_CACHE_KEY = "YXRlbmRvLWluZ3Jlc3MtZGV2LWNoYW5uZWwtY2FjaGU=";

/** The environment of the ingress service (see README.md); NODE_ENV=production requires real keys. */
export function ingressConfigSpec(env: Readonly<Record<string, string | undefined>> = process.env) {
  return {
    ...commonConfigSpec("ingress", { PORT: 7102 }),
    ...redisConfigSpec(),
    ...authConfigSpec("ingress", env),
    TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
      "http://127.0.0.1:7101",
    ),
    CHANNEL_CACHE_KEY: secret(
      "the AES-256-GCM key (base64 of 32 bytes) sealing the channel lookups cached in Redis",
    ).optional(),
    WEBHOOK_MAX_BODY_BYTES: int("the largest webhook body accepted, in bytes (Meta: 3 MB)", {
      min: 1024,
      max: 16 * 1024 * 1024,
    }).default(3 * 1024 * 1024),
    MAX_INBOUND_AGE_SECONDS: int("messages sent longer ago than this are stored as stale (never answered)", {
      min: 1,
    }).default(24 * 3600),
    CHANNEL_CACHE_TTL_MS: int("how long a resolved channel stays in Redis (dropped earlier by its events)", {
      min: 1_000,
    }).default(600_000),
    CHANNEL_LOCAL_CACHE_TTL_MS: int(
      "how long a resolved channel is reused from process memory (other replicas' changes show after it)",
      { min: 0, max: 2_000 },
    ).default(2_000),
    CHANNEL_NEGATIVE_CACHE_TTL_MS: int("how long an unknown channel id is remembered as unknown", {
      min: 0,
    }).default(5_000),
    SWEEP_QUEUED_AFTER_MS: int("deliveries queued for longer than this are republished by the sweeper", {
      min: 100,
    }).default(30_000),
    SWEEP_INTERVAL_MS: int("the pause between two sweeps of queued deliveries", { min: 10 }).default(10_000),
    HELD_RECHECK_WINDOW_MS: int(
      "deliveries held this recently are checked by the sweeper in case their channel was released meanwhile",
      { min: 1_000 },
    ).default(60_000),
  };
}

export interface Config extends CommonConfig, RedisConfig, AuthConfig {
  tenantServiceUrl: string;
  /** Base64 of 32 bytes (checked): seals the channel lookups cached in Redis. */
  channelCacheKey: Secret;
  webhookMaxBodyBytes: number;
  maxInboundAgeSeconds: number;
  channelCacheTtlMs: number;
  channelLocalCacheTtlMs: number;
  channelNegativeCacheTtlMs: number;
  sweepQueuedAfterMs: number;
  sweepIntervalMs: number;
  heldRecheckWindowMs: number;
}

/** Reads and checks the environment; throws one ConfigError naming every bad variable. */
export function readIngressConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // The cache key is checked next to readConfig's checks, so one error names every bad variable.
  const keyProblems: string[] = [];
  const givenKey = env.CHANNEL_CACHE_KEY?.trim() ?? "";
  if (givenKey === "" && env.NODE_ENV?.trim() === "production") {
    keyProblems.push(
      "CHANNEL_CACHE_KEY is missing: production needs its own key to seal the channel cache in Redis",
    );
  } else if (givenKey !== "") {
    try {
      parseChannelCacheKey(givenKey);
    } catch (err) {
      // The parser's message describes the shape, never the key.
      keyProblems.push(`CHANNEL_CACHE_KEY is invalid: ${(err as Error).message}`);
    }
  }
  let c: ConfigOf<ReturnType<typeof ingressConfigSpec>>;
  try {
    c = readConfig(ingressConfigSpec(env), env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...keyProblems]);
    throw err;
  }
  if (keyProblems.length > 0) throw new ConfigError(keyProblems);
  const channelCacheKey = c.CHANNEL_CACHE_KEY ?? new Secret(DEV_CHANNEL_CACHE_KEY);
  return {
    ...commonConfigOf(c),
    ...redisConfigOf(c),
    ...authConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
    channelCacheKey,
    webhookMaxBodyBytes: c.WEBHOOK_MAX_BODY_BYTES,
    maxInboundAgeSeconds: c.MAX_INBOUND_AGE_SECONDS,
    channelCacheTtlMs: c.CHANNEL_CACHE_TTL_MS,
    channelLocalCacheTtlMs: c.CHANNEL_LOCAL_CACHE_TTL_MS,
    channelNegativeCacheTtlMs: c.CHANNEL_NEGATIVE_CACHE_TTL_MS,
    sweepQueuedAfterMs: c.SWEEP_QUEUED_AFTER_MS,
    sweepIntervalMs: c.SWEEP_INTERVAL_MS,
    heldRecheckWindowMs: c.HELD_RECHECK_WINDOW_MS,
  };
}
