import {
  type CommonConfig,
  ConfigError,
  commonConfigOf,
  commonConfigSpec,
  int,
  oneOf,
  type RedisConfig,
  readConfig,
  redisConfigOf,
  redisConfigSpec,
  Secret,
  secret,
  str,
  url,
} from "@atendo/service-kit";
import { normalizeEmail } from "./domain/email.js";
import { type KeyRing, parseKeyRing } from "./domain/key-ring.js";
import {
  devServiceCredentials,
  parseServiceCredentials,
  ServiceCredentials,
} from "./domain/service-credentials.js";

/**
 * Local development only: a well-known key so `npm run dev` needs no setup. Production refuses to
 * start without CHANNEL_SECRET_KEYS.
 */
const DEV_CHANNEL_SECRET_KEYS = "dev:YXRlbmRvLWxvY2FsLWRldi1rZXktbm90LXNlY3JldCE=";

const spec = {
  ...commonConfigSpec("tenant", { PORT: 7101 }),
  ...redisConfigSpec(),
  NODE_ENV: str("the runtime environment; production requires real keys").default("development"),
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
  AUTH_ISSUER: str("the `iss` of every token the service signs").default("atendo"),
  SIGNING_KEY_PUBLISH_GRACE_S: int(
    "seconds a new signing key is published in the JWKS before it signs (every verifier refetches meanwhile)",
    { min: 0, max: 86_400 },
  ).default(60),
  PLATFORM_ADMIN_EMAILS: str("comma-separated emails of the platform admins").optional(),
  SERVICE_CREDENTIALS: secret(
    'every service\'s credential for IssueServiceToken, "<service>:<secret>[,...]"; required in production',
  ).optional(),
  LOGIN_FAILURE_WINDOW_S: int("how long failed logins are counted", { min: 1, max: 86_400 }).default(900),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int("failed logins of one email allowed per window", {
    min: 1,
    max: 10_000,
  }).default(10),
  LOGIN_MAX_FAILURES_PER_IP: int("failed logins from one client address allowed per window", {
    min: 1,
    max: 1_000_000,
  }).default(100),
  CONSOLE_URL: url("the console's base URL, for links in invitations", {
    protocols: ["https:", "http:"],
  }).default("http://127.0.0.1:7100"),
};

export interface Config extends CommonConfig, RedisConfig {
  /** The `iss` of every token the service signs. */
  authIssuer: string;
  /** Parsed CHANNEL_SECRET_KEYS: the first key encrypts, every key decrypts. */
  channelSecretKeys: KeyRing;
  graphApiVersion: string;
  whatsappGraphBaseUrl: string;
  instagramGraphBaseUrl: string;
  /** Channels may set graph_api_base_url (an operator decision: the URL receives the access token). */
  allowGraphBaseUrlOverride: boolean;
  /** Seconds between publishing a new signing key and signing with it. */
  signingKeyPublishGraceS: number;
  /** Normalised emails of the users who get `padm`. */
  platformAdminEmails: ReadonlySet<string>;
  /** What IssueServiceToken accepts (digests only). */
  serviceCredentials: ServiceCredentials;
  loginLimits: { windowS: number; maxPerAccount: number; maxPerIp: number };
  /** Base URL of the console (invitation links). */
  consoleUrl: string;
}

/** Reads the tenant service's configuration; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const raw = readConfig(spec, env);
  const production = raw.NODE_ENV === "production";
  const problems: string[] = [];
  if (production && raw.CHANNEL_SECRET_KEYS === undefined) {
    problems.push("CHANNEL_SECRET_KEYS is missing: production needs its own keys to encrypt channel secrets");
  }
  if (production && raw.SERVICE_CREDENTIALS === undefined) {
    problems.push(
      "SERVICE_CREDENTIALS is missing: production needs every service's own credential (no well-known development ones)",
    );
  }
  let channelSecretKeys: KeyRing | undefined;
  try {
    channelSecretKeys = parseKeyRing(
      (raw.CHANNEL_SECRET_KEYS ?? new Secret(DEV_CHANNEL_SECRET_KEYS)).reveal(),
    );
  } catch (err) {
    // parseKeyRing's messages name the entry, never its key material.
    problems.push(`CHANNEL_SECRET_KEYS is invalid: ${(err as Error).message}`);
  }
  let credentials: Array<[string, string]> = [];
  try {
    // Outside production the well-known development credentials fill in the services not listed.
    const given =
      raw.SERVICE_CREDENTIALS === undefined ? [] : parseServiceCredentials(raw.SERVICE_CREDENTIALS.reveal());
    const dev = production ? [] : devServiceCredentials().filter(([s]) => !given.some(([g]) => g === s));
    credentials = [...given, ...dev];
  } catch (err) {
    // The parser's messages name the entry and the service, never the secret.
    problems.push(`SERVICE_CREDENTIALS is invalid: ${(err as Error).message}`);
  }
  if (!/^v[0-9]+\.[0-9]+$/.test(raw.GRAPH_API_VERSION)) {
    problems.push("GRAPH_API_VERSION is invalid: expected a version like v23.0");
  }
  const adminEmails = (raw.PLATFORM_ADMIN_EMAILS ?? "")
    .split(",")
    .map(normalizeEmail)
    .filter((e) => e !== "");
  const badEmail = adminEmails.find((e) => !/^[^\s@]+@[^\s@]+$/.test(e));
  if (badEmail !== undefined)
    problems.push(`PLATFORM_ADMIN_EMAILS is invalid: "${badEmail}" is not an email`);
  if (problems.length > 0 || channelSecretKeys === undefined) throw new ConfigError(problems);
  return {
    ...commonConfigOf(raw),
    ...redisConfigOf(raw),
    authIssuer: raw.AUTH_ISSUER,
    channelSecretKeys,
    graphApiVersion: raw.GRAPH_API_VERSION,
    whatsappGraphBaseUrl: stripTrailingSlash(raw.WHATSAPP_GRAPH_BASE_URL),
    instagramGraphBaseUrl: stripTrailingSlash(raw.INSTAGRAM_GRAPH_BASE_URL),
    allowGraphBaseUrlOverride: raw.GRAPH_BASE_URL_OVERRIDES === "allow",
    signingKeyPublishGraceS: raw.SIGNING_KEY_PUBLISH_GRACE_S,
    platformAdminEmails: new Set(adminEmails),
    serviceCredentials: new ServiceCredentials(credentials),
    loginLimits: {
      windowS: raw.LOGIN_FAILURE_WINDOW_S,
      maxPerAccount: raw.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxPerIp: raw.LOGIN_MAX_FAILURES_PER_IP,
    },
    consoleUrl: stripTrailingSlash(raw.CONSOLE_URL),
  };
}

function stripTrailingSlash(u: string): string {
  return u.replace(/\/+$/, "");
}
