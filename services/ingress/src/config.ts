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
  type OutboxConfig,
  oneOf,
  outboxConfigOf,
  outboxConfigSpec,
  type RedisConfig,
  readConfig,
  redisConfigOf,
  redisConfigSpec,
  Secret,
  secret,
  url,
} from "@atendo/service-kit";
import { parseChannelCacheKey } from "./domain/channel-cache-key.js";
import { type MediaConfig, mediaConfigOf, mediaConfigSpec, mediaKeyProblems } from "./media/media-config.js";
import type { RateLimitsByPlan } from "./store/webhook-rate-limiter.js";
import { CRASH_POINTS, type CrashPoint } from "./webhooks/crash-point.js";

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
    // Webhook rows are their own outbox (group commit, then a direct publish); the events ingress
    // makes itself (media stored, widget messages) go through the @atendo/db outbox.
    ...outboxConfigSpec(),
    TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
      "http://127.0.0.1:7101",
    ),
    CONVERSATION_SERVICE_URL: url(
      "the base URL of the conversation service (widget sessions open conversations)",
      {
        protocols: ["http:", "https:"],
      },
    ).default("http://127.0.0.1:7103"),
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
      "how long a resolved channel is reused from process memory (bounds a change this process did not hear of)",
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
    HELD_RECONCILE_INTERVAL_MS: int(
      "how often every channel with held deliveries, whatever their age, is checked for a lifted hold",
      { min: 100 },
    ).default(300_000),
    SWEEP_BATCH_SIZE: int("queued deliveries (and held channels) taken per sweep", {
      min: 1,
      max: 10_000,
    }).default(100),
    SWEEP_MAX_ATTEMPTS: int("failed publishing attempts after which a queued delivery becomes `failed`", {
      min: 1,
      max: 1_000,
    }).default(12),
    SWEEP_RETRY_INITIAL_MS: int("the pause after a delivery's first failed attempt (doubles each time)", {
      min: 10,
    }).default(30_000),
    SWEEP_RETRY_MAX_MS: int("the longest pause between two attempts of a delivery", { min: 10 }).default(
      3_600_000,
    ),
    MAX_EVENT_BYTES: int(
      "the largest event published, in bytes (keep it under the NATS server's max_payload); longer fields are cut",
      { min: 64 * 1024, max: 64 * 1024 * 1024 },
    ).default(512 * 1024),
    WEBHOOK_QUEUE_MAX_ROWS: int("deliveries waiting to be stored at once; past it webhooks get 503", {
      min: 1,
    }).default(2_000),
    WEBHOOK_QUEUE_MAX_BYTES: int("bytes of bodies waiting to be stored at once; past it webhooks get 503", {
      min: 64 * 1024,
    }).default(64 * 1024 * 1024),
    WEBHOOK_READ_MAX_BYTES: int(
      "bytes of webhook bodies held by requests in progress (reserved before reading); past it webhooks get 503",
      { min: 64 * 1024 },
    ).default(64 * 1024 * 1024),
    REJECTED_BODY_KEEP_BYTES: int("how much of a badly signed body is kept (with its size and SHA-256)", {
      min: 0,
      max: 1024 * 1024,
    }).default(4096),
    REJECTED_LIMIT_WINDOW_MS: int("the window over which badly signed requests are counted", {
      min: 1_000,
    }).default(60_000),
    REJECTED_LIMIT_PER_CHANNEL: int("badly signed requests per channel and window before 429", {
      min: 1,
    }).default(60),
    REJECTED_LIMIT_PER_IP: int("badly signed requests per client address and window before 429", {
      min: 1,
    }).default(20),
    ...rateLimitSpec("FREE", { tenant: [40, 400], channel: [20, 200] }),
    ...rateLimitSpec("PRO", { tenant: [300, 3_000], channel: [100, 1_000] }),
    ...rateLimitSpec("ENTERPRISE", { tenant: [2_000, 20_000], channel: [500, 5_000] }),
    // Web-chat widget (docs/widget.md).
    WIDGET_HEARTBEAT_MS: int("a widget stream sends a heartbeat after this long without anything else", {
      min: 100,
      max: 60_000,
    }).default(15_000),
    WIDGET_LIMIT_WINDOW_MS: int("the window over which widget messages and new sessions are counted", {
      min: 1_000,
    }).default(60_000),
    WIDGET_MESSAGES_PER_VISITOR: int("messages a widget visitor may send per window", { min: 1 }).default(20),
    WIDGET_MESSAGES_PER_SITE: int("messages all visitors of one web channel may send per window", {
      min: 1,
    }).default(600),
    WIDGET_SESSIONS_PER_IP: int("widget sessions one client address may start per window", {
      min: 1,
    }).default(10),
    WIDGET_RETENTION_DAYS: int(
      "widget messages and sessions older than this, and visitors idle that long without messages, are deleted",
      {
        min: 1,
      },
    ).default(90),
    INGRESS_TEST_CRASH_POINT: oneOf(
      "crash tests only: where webhooks stop for good so the test can kill the process (never in production)",
      CRASH_POINTS,
    ).default("none"),
    // Media: the fetcher, the store and the signed download URLs (src/media/media-config.ts).
    ...mediaConfigSpec(),
  };
}

type RateVar<P extends string> = `WEBHOOK_RATE_${P}_${"TENANT" | "CHANNEL"}_${"PER_SECOND" | "BURST"}`;

/** The four webhook rate-limit variables of a plan; defaults are [per second, burst]. */
function rateLimitSpec<P extends string>(
  plan: P,
  defaults: { tenant: [number, number]; channel: [number, number] },
): Record<RateVar<P>, ReturnType<ReturnType<typeof int>["default"]>> {
  const name = plan.toLowerCase();
  const vars = (scope: "TENANT" | "CHANNEL", [perSecond, burst]: [number, number]) => {
    const who = scope === "TENANT" ? "per tenant (all its channels)" : "per channel";
    return {
      [`WEBHOOK_RATE_${plan}_${scope}_PER_SECOND`]: int(
        `webhook deliveries per second ${who} on the ${name} plan, sustained; past it 429`,
        { min: 1, max: 1_000_000 },
      ).default(perSecond),
      [`WEBHOOK_RATE_${plan}_${scope}_BURST`]: int(
        `webhook deliveries admitted at once ${who} on the ${name} plan, on top of the sustained rate`,
        { min: 1, max: 10_000_000 },
      ).default(burst),
    };
  };
  return { ...vars("TENANT", defaults.tenant), ...vars("CHANNEL", defaults.channel) } as Record<
    RateVar<P>,
    ReturnType<ReturnType<typeof int>["default"]>
  >;
}

export interface Config extends CommonConfig, RedisConfig, AuthConfig, OutboxConfig {
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
  heldReconcileIntervalMs: number;
  sweepBatchSize: number;
  sweepMaxAttempts: number;
  sweepRetryInitialMs: number;
  sweepRetryMaxMs: number;
  maxEventBytes: number;
  webhookQueueMaxRows: number;
  webhookQueueMaxBytes: number;
  webhookReadMaxBytes: number;
  rejectedBodyKeepBytes: number;
  rejectedLimitWindowMs: number;
  rejectedLimitPerChannel: number;
  rejectedLimitPerIp: number;
  /** Webhook deliveries per tenant and per channel, by plan (UNSPECIFIED: free). */
  webhookRateLimits: RateLimitsByPlan;
  /** The conversation service (ConversationDirectoryService, as ingress itself). */
  conversationServiceUrl: string;
  widget: {
    heartbeatMs: number;
    /** Widget messages, sessions and idle visitors without messages go after this long. */
    retentionMs: number;
    limits: { windowMs: number; messagesPerVisitor: number; messagesPerSite: number; sessionsPerIp: number };
  };
  /** Crash tests only (webhooks/crash-point.ts); "none" otherwise. */
  testCrashPoint: CrashPoint;
  /** Inbound media: fetching, storing, signed download URLs. */
  media: MediaConfig;
}

/** Reads and checks the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // The cache key (and the retry bounds) are checked next to readConfig's checks, so one error names
  // every bad variable.
  const problems: string[] = [];
  const givenKey = env.CHANNEL_CACHE_KEY?.trim() ?? "";
  if (givenKey === "" && env.NODE_ENV?.trim() === "production") {
    problems.push(
      "CHANNEL_CACHE_KEY is missing: production needs its own key to seal the channel cache in Redis",
    );
  } else if (givenKey !== "") {
    try {
      parseChannelCacheKey(givenKey);
    } catch (err) {
      // The parser's message describes the shape, never the key.
      problems.push(`CHANNEL_CACHE_KEY is invalid: ${(err as Error).message}`);
    }
  }
  problems.push(...mediaKeyProblems(env));
  let c: ConfigOf<ReturnType<typeof ingressConfigSpec>>;
  try {
    c = readConfig(ingressConfigSpec(env), env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...problems]);
    throw err;
  }
  if (c.SWEEP_RETRY_MAX_MS < c.SWEEP_RETRY_INITIAL_MS) {
    problems.push("SWEEP_RETRY_MAX_MS is invalid: expected at least SWEEP_RETRY_INITIAL_MS");
  }
  // A budget smaller than the largest body would refuse that body for ever (Meta retries it for days).
  if (c.WEBHOOK_READ_MAX_BYTES < c.WEBHOOK_MAX_BODY_BYTES) {
    problems.push("WEBHOOK_READ_MAX_BYTES is invalid: expected at least WEBHOOK_MAX_BODY_BYTES");
  }
  if (c.INGRESS_TEST_CRASH_POINT !== "none" && env.NODE_ENV?.trim() === "production") {
    problems.push("INGRESS_TEST_CRASH_POINT is invalid: a crash test's hook, refused in production");
  }
  // Media settings (their own problems join the others).
  const media = mediaConfigOf(c);
  problems.push(...media.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const channelCacheKey = c.CHANNEL_CACHE_KEY ?? new Secret(DEV_CHANNEL_CACHE_KEY);
  return {
    ...commonConfigOf(c),
    ...redisConfigOf(c),
    ...authConfigOf(c),
    ...outboxConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
    conversationServiceUrl: c.CONVERSATION_SERVICE_URL,
    channelCacheKey,
    webhookMaxBodyBytes: c.WEBHOOK_MAX_BODY_BYTES,
    maxInboundAgeSeconds: c.MAX_INBOUND_AGE_SECONDS,
    channelCacheTtlMs: c.CHANNEL_CACHE_TTL_MS,
    channelLocalCacheTtlMs: c.CHANNEL_LOCAL_CACHE_TTL_MS,
    channelNegativeCacheTtlMs: c.CHANNEL_NEGATIVE_CACHE_TTL_MS,
    sweepQueuedAfterMs: c.SWEEP_QUEUED_AFTER_MS,
    sweepIntervalMs: c.SWEEP_INTERVAL_MS,
    heldRecheckWindowMs: c.HELD_RECHECK_WINDOW_MS,
    heldReconcileIntervalMs: c.HELD_RECONCILE_INTERVAL_MS,
    sweepBatchSize: c.SWEEP_BATCH_SIZE,
    sweepMaxAttempts: c.SWEEP_MAX_ATTEMPTS,
    sweepRetryInitialMs: c.SWEEP_RETRY_INITIAL_MS,
    sweepRetryMaxMs: c.SWEEP_RETRY_MAX_MS,
    maxEventBytes: c.MAX_EVENT_BYTES,
    webhookQueueMaxRows: c.WEBHOOK_QUEUE_MAX_ROWS,
    webhookQueueMaxBytes: c.WEBHOOK_QUEUE_MAX_BYTES,
    webhookReadMaxBytes: c.WEBHOOK_READ_MAX_BYTES,
    rejectedBodyKeepBytes: c.REJECTED_BODY_KEEP_BYTES,
    rejectedLimitWindowMs: c.REJECTED_LIMIT_WINDOW_MS,
    rejectedLimitPerChannel: c.REJECTED_LIMIT_PER_CHANNEL,
    rejectedLimitPerIp: c.REJECTED_LIMIT_PER_IP,
    webhookRateLimits: {
      free: {
        tenant: { perSecond: c.WEBHOOK_RATE_FREE_TENANT_PER_SECOND, burst: c.WEBHOOK_RATE_FREE_TENANT_BURST },
        channel: {
          perSecond: c.WEBHOOK_RATE_FREE_CHANNEL_PER_SECOND,
          burst: c.WEBHOOK_RATE_FREE_CHANNEL_BURST,
        },
      },
      pro: {
        tenant: { perSecond: c.WEBHOOK_RATE_PRO_TENANT_PER_SECOND, burst: c.WEBHOOK_RATE_PRO_TENANT_BURST },
        channel: {
          perSecond: c.WEBHOOK_RATE_PRO_CHANNEL_PER_SECOND,
          burst: c.WEBHOOK_RATE_PRO_CHANNEL_BURST,
        },
      },
      enterprise: {
        tenant: {
          perSecond: c.WEBHOOK_RATE_ENTERPRISE_TENANT_PER_SECOND,
          burst: c.WEBHOOK_RATE_ENTERPRISE_TENANT_BURST,
        },
        channel: {
          perSecond: c.WEBHOOK_RATE_ENTERPRISE_CHANNEL_PER_SECOND,
          burst: c.WEBHOOK_RATE_ENTERPRISE_CHANNEL_BURST,
        },
      },
    },
    widget: {
      heartbeatMs: c.WIDGET_HEARTBEAT_MS,
      retentionMs: c.WIDGET_RETENTION_DAYS * 24 * 3_600_000,
      limits: {
        windowMs: c.WIDGET_LIMIT_WINDOW_MS,
        messagesPerVisitor: c.WIDGET_MESSAGES_PER_VISITOR,
        messagesPerSite: c.WIDGET_MESSAGES_PER_SITE,
        sessionsPerIp: c.WIDGET_SESSIONS_PER_IP,
      },
    },
    testCrashPoint: c.INGRESS_TEST_CRASH_POINT,
    media: media.config,
  };
}
