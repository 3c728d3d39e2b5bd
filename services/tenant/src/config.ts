import {
  ConfigError,
  commonConfigSpec,
  type LogLevel,
  type OtelExporter,
  oneOf,
  readConfig,
  Secret,
  secret,
  str,
  url,
} from "@atendo/service-kit";
import { type KeyRing, parseKeyRing } from "./domain/key-ring.js";

/**
 * Local development only: a well-known key so `npm run dev` needs no setup. Production refuses to
 * start without CHANNEL_SECRET_KEYS.
 */
const DEV_CHANNEL_SECRET_KEYS = "dev:YXRlbmRvLWxvY2FsLWRldi1rZXktbm90LXNlY3JldCE=";

const spec = {
  ...commonConfigSpec("tenant", { PORT: 7101 }),
  NODE_ENV: str("the runtime environment; production requires real keys").default("development"),
  BUS_NAMESPACE: str("a prefix isolating NATS subjects and streams (tests)").optional(),
  REDIS_KEY_PREFIX: str("the prefix of every Redis key").default("atendo:"),
  CHANNEL_SECRET_KEYS: secret(
    'keys that encrypt channel secrets, "<kid>:<base64 of 32 bytes>[,<kid>:<key>...]", the first one active',
  ).optional(),
  GRAPH_API_VERSION: str("the Meta Graph API version channels use unless they set their own").default(
    "v23.0",
  ),
  WHATSAPP_GRAPH_BASE_URL: url("the default Graph API base URL of WhatsApp channels", {
    protocols: ["https:", "http:"],
  }).default("https://graph.facebook.com"),
  GRAPH_BASE_URL_OVERRIDES: oneOf(
    "whether channels may point at their own Graph API base URL (allow: local fakes and tests; deny: production, where the URL would receive the channel's access token)",
    ["allow", "deny"] as const,
  ).default("deny"),
  INSTAGRAM_GRAPH_BASE_URL: url("the default Graph API base URL of Instagram channels", {
    protocols: ["https:", "http:"],
  }).default("https://graph.instagram.com"),
};

export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  /** The service's login role (atendo_tenant). */
  databaseUrl: string;
  /** The schema owner (atendo_owner); when set, migrations run at start. */
  migrationDatabaseUrl?: string;
  redisUrl: string;
  redisKeyPrefix: string;
  natsUrl: string;
  busNamespace?: string;
  /** Parsed CHANNEL_SECRET_KEYS: the first key encrypts, every key decrypts. */
  channelSecretKeys: KeyRing;
  graphApiVersion: string;
  whatsappGraphBaseUrl: string;
  instagramGraphBaseUrl: string;
  /** Channels may set graph_api_base_url (an operator decision: the URL receives the access token). */
  allowGraphBaseUrlOverride: boolean;
}

/** Reads the tenant service's configuration; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const raw = readConfig(spec, env);
  const production = raw.NODE_ENV === "production";
  if (production && raw.CHANNEL_SECRET_KEYS === undefined) {
    throw new ConfigError([
      "CHANNEL_SECRET_KEYS is missing: production needs its own keys to encrypt channel secrets",
    ]);
  }
  let channelSecretKeys: KeyRing;
  try {
    channelSecretKeys = parseKeyRing(
      (raw.CHANNEL_SECRET_KEYS ?? new Secret(DEV_CHANNEL_SECRET_KEYS)).reveal(),
    );
  } catch (err) {
    // parseKeyRing's messages name the entry, never its key material.
    throw new ConfigError([`CHANNEL_SECRET_KEYS is invalid: ${(err as Error).message}`]);
  }
  if (!/^v[0-9]+\.[0-9]+$/.test(raw.GRAPH_API_VERSION)) {
    throw new ConfigError([`GRAPH_API_VERSION is invalid: expected a version like v23.0`]);
  }
  return {
    port: raw.PORT,
    host: raw.HOST,
    logLevel: raw.LOG_LEVEL,
    otelExporter: raw.OTEL_EXPORTER,
    databaseUrl: raw.DATABASE_URL,
    ...(raw.MIGRATION_DATABASE_URL === undefined ? {} : { migrationDatabaseUrl: raw.MIGRATION_DATABASE_URL }),
    redisUrl: raw.REDIS_URL,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    natsUrl: raw.NATS_URL,
    ...(raw.BUS_NAMESPACE === undefined ? {} : { busNamespace: raw.BUS_NAMESPACE }),
    channelSecretKeys,
    graphApiVersion: raw.GRAPH_API_VERSION,
    whatsappGraphBaseUrl: stripTrailingSlash(raw.WHATSAPP_GRAPH_BASE_URL),
    instagramGraphBaseUrl: stripTrailingSlash(raw.INSTAGRAM_GRAPH_BASE_URL),
    allowGraphBaseUrlOverride: raw.GRAPH_BASE_URL_OVERRIDES === "allow",
  };
}

function stripTrailingSlash(u: string): string {
  return u.replace(/\/+$/, "");
}
