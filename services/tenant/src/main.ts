import { connectBus } from "@atendo/bus";
import {
  createDb,
  createOutbox,
  createOutboxRelay,
  createRequestIds,
  createRetentionJob,
  roleFromUrl,
} from "@atendo/db";
import {
  ACCESS_REPLAY_MS,
  busOptionsOf,
  closeRedis,
  connectRedis,
  createApiKeyCache,
  createKeySetVerifier,
  createResources,
  createWorkspaceDirectory,
  runService,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger } from "@atendo/telemetry";
import { migrate, SCHEMA } from "../migrations/index.js";
import { createApiKeyIntrospection } from "./auth/api-key-introspection.js";
import { createLocalSuspensions } from "./auth/local-suspensions.js";
import { createSessions } from "./auth/sessions.js";
import { createSigningKeys } from "./auth/signing-keys.js";
import { AUDIENCE, createTokenIssuer } from "./auth/token-issuer.js";
import type { InvitationSender } from "./clients/invitation-sender.js";
import { type Config, loadConfig } from "./config.js";
import { startAuditRecordedConsumer } from "./consumers/audit-recorded.js";
import { startHistorySyncProgressedConsumer } from "./consumers/history-sync-progressed.js";
import { type Argon2Binding, createPasswordHasher } from "./domain/password-hasher.js";
import { createSecretBox } from "./domain/secret-box.js";
import { createEmailSender } from "./email/create-email-sender.js";
import type { EmailSender } from "./email/email.js";
import { createMailer } from "./email/mailer.js";
import { createAnnounce } from "./handlers/announce.js";
import { createResealJob } from "./secrets/reseal-job.js";
import { startResealPass } from "./secrets/reseal-pass.js";
import { buildServer } from "./server.js";
import { ENTITIES } from "./store/entities.js";
import { createIdentityLookups } from "./store/identity-lookups.js";
import { createLoginAttempts } from "./store/login-attempts.js";
import { createLookups } from "./store/lookups.js";
import { createSignUpAttempts } from "./store/sign-up-attempts.js";
import { createWindowCounters } from "./store/window-counters.js";

export type { InvitationSender, OutgoingInvitation } from "./clients/invitation-sender.js";
export type { Config } from "./config.js";
export { loadConfig } from "./config.js";
export type { Argon2Binding } from "./domain/password-hasher.js";
export type { Email, EmailKind, EmailSender } from "./email/email.js";

/**
 * How long ATENDO_TENANT keeps events: every service's access watch replays up to ACCESS_REPLAY_MS
 * (30 days, the longest credential) of them at start, so a day more than that.
 */
const TENANT_STREAM_MAX_AGE_MS = ACCESS_REPLAY_MS + 24 * 3_600_000;

const SERVICE = "tenant";

/** The tables the retention job prunes (each has its prune function; the audit log is kept). */
const RETENTION_TABLES = [
  "outbox",
  "processed_events",
  "email_verifications",
  "invitations",
  "request_ids",
] as const;

export interface RunningService {
  port: number;
  /**
   * Stops taking requests and events, relays what they committed, then closes the bus, Redis and the
   * database (idempotent).
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /**
   * Where every email goes instead of what the configuration says (SMTP_URL, or the development
   * sender): tests capture mail with it.
   */
  emailSender?: EmailSender;
  /** Told of each invitation after it was mailed (older test harnesses capture invitations so). */
  invitationSender?: InvitationSender;
  /** The argon2 binding (default: the real one); tests count password work through it. */
  argon2?: Argon2Binding;
}

/**
 * Starts the tenant service: migrations (when configured), adapters, the outbox relay and retention,
 * signing keys, the access watch, the consumer and the reseal pass, server. `stop()` closes them in
 * reverse.
 */
export async function start(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: SERVICE, level: config.logLevel });
  const resources = createResources(logger);
  return resources.guard(async () => {
    if (config.migrationDatabaseUrl !== undefined) {
      await migrate({
        ownerUrl: config.migrationDatabaseUrl,
        appRole: roleFromUrl(config.databaseUrl),
        logger,
      });
    }
    const now = () => new Date();
    const db = await resources.open("db", () =>
      createDb({ url: config.databaseUrl, schema: SCHEMA, entities: ENTITIES, logger }),
    );
    const redis = await resources.open(
      "redis",
      () => connectRedis(config, { name: SERVICE, logger }),
      closeRedis,
    );
    const bus = await resources.open("bus", () => connectBus(busOptionsOf(config, SERVICE, logger)));
    await bus.ensureStream({ domain: SERVICE, maxAgeMs: TENANT_STREAM_MAX_AGE_MS });
    // Events commit with the change they announce; the relay publishes them (any replica's).
    const outbox = createOutbox(SCHEMA);
    const relay = createOutboxRelay({
      db,
      outbox,
      publish: bus.publishEncoded,
      ping: bus.ping,
      logger,
      ...config.outboxRelay,
    });
    relay.start();
    resources.onClose("outbox relay", () => relay.stop());
    const retention = createRetentionJob({
      db,
      tasks: RETENTION_TABLES.map((table) => ({ schema: SCHEMA, table })),
      logger,
      ...config.retention,
    });
    retention.start();
    resources.onClose("retention", () => retention.stop());

    const secretBox = createSecretBox(config.channelSecretKeys);
    const signingKeys = createSigningKeys({
      db,
      secretBox,
      issuer: config.authIssuer,
      activeSealingKeyId: config.channelSecretKeys.activeKeyId,
      graceS: config.signingKeyPublishGraceS,
      now,
    });
    await signingKeys.ensure();
    const tokens = createTokenIssuer({ keys: signingKeys, issuer: config.authIssuer, now });
    const email = createEmailSender(config, logger, options.emailSender);
    resources.onClose("email", () => email.close());
    const counters = createWindowCounters(redis);
    const lookups = createLookups(db);
    const identity = createIdentityLookups(db);
    const introspectApiKey = createApiKeyIntrospection({ db, identity, now });
    const apiKeys = createApiKeyCache({ introspect: introspectApiKey });
    const suspendedTenants = createLocalSuspensions();
    // Revocations and suspensions made through any replica reach this one's interceptor; the
    // replay of recent ones is done before the server listens.
    await watchAccessChanges({ bus, auth: { apiKeys, suspendedTenants }, logger });

    const server = buildServer({
      db,
      bus,
      redis,
      logger,
      lookups,
      identity,
      secretBox,
      announce: createAnnounce({ outbox, bus }),
      requestIds: createRequestIds(SCHEMA),
      graphDefaults: {
        graphApiVersion: config.graphApiVersion,
        whatsappGraphBaseUrl: config.whatsappGraphBaseUrl,
        instagramGraphBaseUrl: config.instagramGraphBaseUrl,
        allowBaseUrlOverride: config.allowGraphBaseUrlOverride,
      },
      passwords: createPasswordHasher(config.hashing, options.argon2),
      loginAttempts: createLoginAttempts(counters, config.loginLimits),
      signUpAttempts: createSignUpAttempts(counters, config.signUpLimits),
      counters,
      signingKeys,
      tokens,
      sessions: createSessions({ tokens, platformAdminEmails: config.platformAdminEmails, now }),
      introspectApiKey,
      // This process checks its own callers locally: its keys, its database, its lookups.
      verifier: createKeySetVerifier({
        keys: () => signingKeys.jwks(),
        issuer: config.authIssuer,
        audience: AUDIENCE,
      }),
      apiKeys,
      suspendedTenants,
      workspaces: createWorkspaceDirectory({ lookup: (id) => lookups.tenantOfWorkspace(id) }),
      serviceCredentials: config.serviceCredentials,
      mailer: createMailer({
        sender: email.sender,
        consoleUrl: config.consoleUrl,
        logger,
        ...(options.invitationSender === undefined ? {} : { invitationObserver: options.invitationSender }),
      }),
      devMailbox: email.devMailbox,
      signingKeyGraceS: config.signingKeyPublishGraceS,
      now,
    });
    await resources.open(
      "audit consumer",
      () => startAuditRecordedConsumer({ bus, db, schema: SCHEMA }),
      (consumer) => consumer.stop(),
    );
    await resources.open(
      "history import consumer",
      () => startHistorySyncProgressedConsumer({ bus, db, schema: SCHEMA }),
      (consumer) => consumer.stop(),
    );
    // Secrets still sealed with an older ring key move to the active one, in the background.
    const reseal = startResealPass(
      createResealJob({ db, ring: config.channelSecretKeys, secretBox, signingKeys, logger }),
      logger,
    );
    resources.onClose("reseal pass", () => reseal.stop());
    // Listens last, so it closes first: no new requests while the rest drains.
    const port = await server.listen(config.port, config.host);
    resources.onClose("server", () => server.close());
    return { port, stop: resources.closeAll };
  });
}

if (import.meta.main) await runService({ name: SERVICE, loadConfig, start });
