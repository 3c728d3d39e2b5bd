import {
  type CommonConfig,
  ConfigError,
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
  ...outboxConfigSpec(),
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
  CONSOLE_URL: url("the console's base URL, for the links of invitations and verification mail", {
    protocols: ["https:", "http:"],
  }).default("http://127.0.0.1:7100"),
  SMTP_URL: secret(
    "the SMTP server mail goes through, smtps://user:password@host:465 or smtp://...:587 (STARTTLS); required in production",
  ).optional(),
  EMAIL_FROM: str(
    'the sender of every email, e.g. "Atendo <no-reply@example.com>"; required in production',
  ).optional(),
  SMTP_TIMEOUT_MS: int("how long the SMTP server may take to connect, greet or answer a command", {
    min: 100,
    max: 120_000,
  }).default(10_000),
  SIGNUP_WINDOW_S: int("the window sign-ups are counted in", { min: 1, max: 86_400 }).default(3600),
  SIGNUP_MAX_PER_IP: int("sign-ups allowed from one client address per window", {
    min: 1,
    max: 1_000_000,
  }).default(10),
  SIGNUP_MAX_GLOBAL: int("sign-ups allowed in all per window", { min: 1, max: 10_000_000 }).default(1000),
  PASSWORD_HASH_CONCURRENCY: int(
    "argon2 computations at once (each takes a libuv thread: keep it below UV_THREADPOOL_SIZE, 4 by default)",
    { min: 1, max: 64 },
  ).default(3),
  PASSWORD_HASH_QUEUE: int("argon2 computations that may wait for one; past it: resource_exhausted", {
    min: 0,
    max: 100_000,
  }).default(256),
  SIGNUP_HASH_CONCURRENCY: int(
    "new passwords (sign-ups, new accounts from invitations) hashed at once, within PASSWORD_HASH_CONCURRENCY",
    { min: 1, max: 64 },
  ).default(1),
  SIGNUP_HASH_QUEUE: int("new passwords that may wait to be hashed; past it: resource_exhausted", {
    min: 0,
    max: 100_000,
  }).default(32),
};

/** Development's sender: `Atendo <no-reply@atendo.local>` (nothing is sent without SMTP_URL). */
const DEV_EMAIL_FROM = "Atendo <no-reply@atendo.local>";

/** Where mail goes: an SMTP server, or (outside production) the development sender. */
export type EmailConfig =
  | { kind: "smtp"; url: Secret; from: string; timeoutMs: number }
  | { kind: "log"; from: string };

export interface Config extends CommonConfig, RedisConfig, OutboxConfig {
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
  /** Base URL of the console (invitation and verification links). */
  consoleUrl: string;
  /** NODE_ENV=development (the default): the development sender shows links, /dev/mailbox exists. */
  development: boolean;
  email: EmailConfig;
  signUpLimits: { windowS: number; maxPerIp: number; maxGlobal: number };
  /** Bounds on argon2 work: all of it, and the share of new passwords (sign-ups) within it. */
  hashing: {
    concurrency: number;
    queue: number;
    signUpConcurrency: number;
    signUpQueue: number;
  };
}

/** Reads the tenant service's configuration; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const raw = readConfig(spec, env);
  const production = raw.NODE_ENV === "production";
  const problems: string[] = [];
  if (production && raw.SERVICE_CREDENTIALS === undefined) {
    problems.push(
      "SERVICE_CREDENTIALS is missing: production needs every service's own credential (no well-known development ones)",
    );
  }
  const channelSecretKeys = channelKeyRingOf(raw.CHANNEL_SECRET_KEYS, production, problems);
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
  const email = emailConfig(raw, production, problems);
  if (production && (env.CONSOLE_URL ?? "").trim() === "") {
    problems.push("CONSOLE_URL is missing: production mails links that must point at the console");
  }
  if (raw.SIGNUP_HASH_CONCURRENCY > raw.PASSWORD_HASH_CONCURRENCY) {
    problems.push("SIGNUP_HASH_CONCURRENCY is invalid: it may not exceed PASSWORD_HASH_CONCURRENCY");
  }
  if (problems.length > 0 || channelSecretKeys === undefined || email === undefined)
    throw new ConfigError(problems);
  return {
    ...commonConfigOf(raw),
    ...redisConfigOf(raw),
    ...outboxConfigOf(raw),
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
    development: raw.NODE_ENV === "development",
    email,
    signUpLimits: {
      windowS: raw.SIGNUP_WINDOW_S,
      maxPerIp: raw.SIGNUP_MAX_PER_IP,
      maxGlobal: raw.SIGNUP_MAX_GLOBAL,
    },
    hashing: {
      concurrency: raw.PASSWORD_HASH_CONCURRENCY,
      queue: raw.PASSWORD_HASH_QUEUE,
      signUpConcurrency: raw.SIGNUP_HASH_CONCURRENCY,
      signUpQueue: raw.SIGNUP_HASH_QUEUE,
    },
  };
}

// "Name <address>" or a bare address; nodemailer encodes the name.
const FROM = /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

function emailConfig(
  raw: { SMTP_URL?: Secret; EMAIL_FROM?: string; SMTP_TIMEOUT_MS: number },
  production: boolean,
  problems: string[],
): EmailConfig | undefined {
  const before = problems.length;
  if (raw.EMAIL_FROM !== undefined && !FROM.test(raw.EMAIL_FROM)) {
    problems.push('EMAIL_FROM is invalid: expected "Name <address@domain>" or "address@domain"');
  }
  if (raw.SMTP_URL === undefined) {
    if (production) {
      problems.push(
        "SMTP_URL is missing: production sends invitations and verification links by email (the development sender only logs them)",
      );
    }
  } else {
    let protocol = "";
    try {
      protocol = new URL(raw.SMTP_URL.reveal()).protocol;
    } catch {
      // The value may carry a password: the message never shows it.
      problems.push("SMTP_URL is invalid: not a URL");
    }
    if (protocol !== "" && protocol !== "smtp:" && protocol !== "smtps:") {
      problems.push(`SMTP_URL is invalid: expected smtp: or smtps:, got ${JSON.stringify(protocol)}`);
    }
    if (raw.EMAIL_FROM === undefined) problems.push("EMAIL_FROM is missing: SMTP needs a sender address");
  }
  if (problems.length > before) return undefined;
  if (raw.SMTP_URL !== undefined && raw.EMAIL_FROM !== undefined) {
    return { kind: "smtp", url: raw.SMTP_URL, from: raw.EMAIL_FROM, timeoutMs: raw.SMTP_TIMEOUT_MS };
  }
  return { kind: "log", from: raw.EMAIL_FROM ?? DEV_EMAIL_FROM };
}

/**
 * CHANNEL_SECRET_KEYS as a key ring (the development key outside production when unset); pushes a
 * problem and answers undefined when it is missing in production or malformed. Shared with the
 * operator command (admin/).
 */
export function channelKeyRingOf(
  value: Secret | undefined,
  production: boolean,
  problems: string[],
): KeyRing | undefined {
  if (production && value === undefined) {
    problems.push("CHANNEL_SECRET_KEYS is missing: production needs its own keys to encrypt channel secrets");
    return undefined;
  }
  try {
    return parseKeyRing((value ?? new Secret(DEV_CHANNEL_SECRET_KEYS)).reveal());
  } catch (err) {
    // parseKeyRing's messages name the entry, never its key material.
    problems.push(`CHANNEL_SECRET_KEYS is invalid: ${(err as Error).message}`);
    return undefined;
  }
}

function stripTrailingSlash(u: string): string {
  return u.replace(/\/+$/, "");
}
