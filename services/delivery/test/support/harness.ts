import { randomBytes, randomInt } from "node:crypto";
import { type Bus, type Consumer, connectBus, newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { ChannelType, type Message, MessageSchema, SenderKind } from "@atendo/proto/common/v1";
import { type OutboundCreated, OutboundCreatedSchema } from "@atendo/proto/conversation/v1";
import {
  DeliveryService,
  type StatusChanged,
  StatusChangedSchema,
  WebhookSubscriptionService,
} from "@atendo/proto/delivery/v1";
import { devServiceCredential, Secret } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import {
  adminQuery,
  type ClientsOf,
  clientsFor,
  createIdentityKit,
  type FakeGraph,
  type IdentityKit,
  type Owner,
  type Person,
  startFakeGraph,
  TENANT_SERVICES,
  type TenantClients,
  testEnv,
  uniqueEmail,
  uniqueNamespace,
  waitFor,
} from "@atendo/testing";
import { startTenantForTests } from "@atendo/testing/tenant";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Config } from "../../src/config.js";
import { type RunningService, start } from "../../src/main.js";
import { createLogSink, type LogSink } from "./log-sink.js";

const DELIVERY_SERVICES = { delivery: DeliveryService, webhooks: WebhookSubscriptionService } as const;

/** Clients of the delivery service and of the tenant service, all sending one credential. */
export type Clients = ClientsOf<typeof DELIVERY_SERVICES> & TenantClients;

export interface TestChannel {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  phoneNumberId: string;
  token: string;
  /** The tenant's owner (signed up for this channel). */
  owner: Owner<Clients>;
}

export interface HarnessOptions {
  /**
   * The tenant service publishes on a namespace delivery does not read: its events never arrive, as
   * when they are delayed. Tests of what delivery does without them use it.
   */
  isolateTenantEvents?: boolean;
}

export interface Harness {
  graph: FakeGraph;
  /** The delivery service (its reconcileHeld runs one held-message pass now). */
  delivery: RunningService;
  /**
   * Another replica of the delivery service on the same database, bus and tenant service, logging to
   * `logs` (its own sink); stopped with the harness.
   */
  startReplica(overrides?: Partial<Config>, logs?: LogSink): Promise<RunningService>;
  /** A bus on the delivery service's namespace. */
  bus: Bus;
  /** Clients without credentials. */
  anonymous: Clients;
  /** Clients sending `Authorization: Bearer <credential>`. */
  as(credential: string): Clients;
  /** The platform admin (suspends and reactivates tenants). */
  admin: Person<Clients>;
  /** Owners, members, API keys and service tokens issued by the tenant service. */
  identity: IdentityKit<Clients>;
  /** Every StatusChanged the delivery service published, in arrival order. */
  statuses: StatusChanged[];
  /** The delivery service's log lines. */
  logs: LogSink;
  redisKeyPrefix: string;
  /** A new tenant (signed up), its workspace and a WhatsApp channel pointing at the fake Graph API. */
  newChannel(): Promise<TestChannel>;
  outbound(channel: TestChannel, message?: MessageInitShape<typeof MessageSchema>): OutboundCreated;
  publishOutbound(event: OutboundCreated, msgId?: string): Promise<void>;
  waitForStatus(
    messageId: string,
    status: StatusChanged["status"],
    timeoutMs?: number,
  ): Promise<StatusChanged>;
  /** Waits for a log line of the delivery service. */
  waitForLog(match: (record: Record<string, unknown>) => boolean, what: string): Promise<void>;
  /** Rows of processed_events for an event id (the consumer acknowledged it). */
  processed(consumer: string, eventId: string): Promise<Array<{ outputs: unknown[] }>>;
  stop(): Promise<void>;
}

export const RECIPIENT = "5511987654321";

export function randomDigits(length = 15): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}

/** Starts the real tenant and delivery services on the real stack, against a fake Graph API. */
export async function startHarness(
  overrides: Partial<Config> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const env = testEnv();
  const namespace = uniqueNamespace("delivery");
  const tenantNamespace = options.isolateTenantEvents ? uniqueNamespace("tenant") : namespace;
  const redisKeyPrefix = `${namespace}:`;
  // Its own signing keys: the test database is shared with other runs.
  const issuer = `atendo-test-${namespace}`;
  const adminEmail = uniqueEmail("platform-admin");
  const quiet = createLogger({ service: "delivery-test", level: "error" });
  const graph = await startFakeGraph();

  const tenant = await startTenantForTests({
    namespace: tenantNamespace,
    issuer,
    adminEmail,
    logger: createLogger({ service: "tenant", level: "error" }),
    // Channels point at the fake Graph API.
    env: { GRAPH_BASE_URL_OVERRIDES: "allow" },
  });
  const tenantUrl = tenant.url;
  const logs = createLogSink();
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    logLevel: "info",
    otelExporter: "none",
    databaseUrl: env.appUrl("delivery"),
    migrationDatabaseUrl: env.ownerUrl,
    redisUrl: env.redisUrl,
    natsUrl: env.natsUrl,
    busNamespace: namespace,
    redisKeyPrefix,
    tenantServiceUrl: tenantUrl,
    serviceCredential: new Secret(devServiceCredential("delivery")),
    authIssuer: issuer,
    concurrency: 4,
    maxDeliver: 4,
    retryInitialMs: 20,
    retryMaxMs: 400,
    pairRateLimitUnitMs: 5,
    graphTimeoutMs: 2_000,
    channelCacheTtlMs: 60_000,
    statusUnknownGraceMs: 0,
    // Off unless a test turns it on: the event path's tests count exactly what the event did.
    heldReconcileIntervalMs: 0,
    retention: { maxAgeMs: 30 * 24 * 3_600_000, intervalMs: 3_600_000 },
    ...overrides,
  };
  const delivery = await start(config, {
    logger: createLogger({ service: "delivery", level: config.logLevel, destination: logs }),
  });
  const replicas: RunningService[] = [];
  const deliveryUrl = `http://127.0.0.1:${delivery.port}`;

  const bus = await connectBus({ servers: env.natsUrl, name: "delivery-test", logger: quiet, namespace });
  const tenantBus = options.isolateTenantEvents
    ? await connectBus({
        servers: env.natsUrl,
        name: "delivery-test",
        logger: quiet,
        namespace: tenantNamespace,
      })
    : undefined;
  const statuses: StatusChanged[] = [];
  const collector: Consumer = await bus.consume({
    durable: "test-status-changed",
    schema: StatusChangedSchema,
    concurrency: 1,
    handler: (event) => {
      statuses.push(event);
    },
  });

  const as = (credential?: string): Clients => ({
    ...clientsFor(deliveryUrl, credential, DELIVERY_SERVICES),
    ...clientsFor(tenantUrl, credential, TENANT_SERVICES),
  });
  const identity = createIdentityKit({ tenantUrl, clients: as, platformAdmin: { email: adminEmail } });
  const admin = await identity.platformAdmin();

  return {
    graph,
    delivery,
    async startReplica(replicaOverrides = {}, replicaLogs = createLogSink()) {
      const replicaConfig = { ...config, ...replicaOverrides };
      const replica = await start(replicaConfig, {
        logger: createLogger({
          service: "delivery",
          level: replicaConfig.logLevel,
          destination: replicaLogs,
        }),
      });
      replicas.push(replica);
      return replica;
    },
    bus,
    anonymous: as(),
    as,
    admin,
    identity,
    statuses,
    logs,
    redisKeyPrefix,
    async newChannel() {
      const owner = await identity.signUpOwner();
      const token = `EAAG${randomBytes(12).toString("hex")}`;
      const phoneNumberId = randomDigits();
      const { channel } = await owner.clients.channels.createChannel({
        workspaceId: owner.workspaceId,
        name: "WhatsApp",
        config: {
          case: "whatsapp",
          value: {
            phoneNumberId,
            wabaId: randomDigits(),
            displayPhoneNumber: "+55 11 5555-0100",
            accessToken: token,
            appSecret: "app-secret-for-tests",
            verifyToken: "verify-token-for-tests",
            graphApiVersion: "v23.0",
            graphApiBaseUrl: graph.url,
          },
        },
      });
      if (channel === undefined) throw new Error("CreateChannel returned no channel");
      graph.registerToken(token);
      return {
        tenantId: owner.tenantId,
        workspaceId: owner.workspaceId,
        channelId: channel.id,
        phoneNumberId,
        token,
        owner,
      };
    },
    outbound(
      channel,
      message = { content: { case: "text", value: { body: "Olá! Seu pedido saiu para entrega." } } },
    ) {
      const msg: Message = create(MessageSchema, message);
      return create(OutboundCreatedSchema, {
        meta: newEventMeta({
          tenantId: channel.tenantId,
          workspaceId: channel.workspaceId,
          correlationId: newId(),
        }),
        conversationId: newId(),
        contactId: newId(),
        messageId: newId(),
        channelId: channel.channelId,
        channelType: ChannelType.WHATSAPP,
        recipientExternalId: RECIPIENT,
        message: msg,
        senderKind: SenderKind.AI,
        partCount: 1,
      });
    },
    async publishOutbound(event, msgId) {
      await bus.publish(OutboundCreatedSchema, event, msgId === undefined ? {} : { msgId });
    },
    waitForStatus(messageId, status, timeoutMs = 10_000) {
      return waitFor(() => statuses.find((s) => s.messageId === messageId && s.status === status), {
        timeoutMs,
        message: () =>
          `StatusChanged ${status} for ${messageId}; got ${JSON.stringify(
            statuses.filter((s) => s.messageId === messageId).map((s) => s.status),
          )}`,
      });
    },
    async waitForLog(match, what) {
      await waitFor(() => logs.records().some(match), { message: () => `a log line: ${what}` });
    },
    processed(consumer, eventId) {
      return adminQuery<{ outputs: unknown[] }>(
        "select outputs from delivery.processed_events where consumer = $1 and event_id = $2",
        [consumer, eventId],
      );
    },
    async stop() {
      await collector.stop();
      for (const replica of replicas) await replica.stop();
      await delivery.stop();
      await tenant.stop();
      await graph.close();
      await bus.deleteNamespaceStreams();
      await bus.close();
      if (tenantBus !== undefined) {
        await tenantBus.deleteNamespaceStreams();
        await tenantBus.close();
      }
    },
  };
}

export interface DeliveryRow {
  status: string;
  external_message_id: string | null;
  attempt_count: number;
  last_error_code: number | null;
  last_error_title: string | null;
  last_error_message: string | null;
}

export async function deliveryRow(messageId: string): Promise<DeliveryRow | undefined> {
  const rows = await adminQuery<DeliveryRow>(
    `select status, external_message_id, attempt_count, last_error_code, last_error_title, last_error_message
       from delivery.deliveries where message_id = $1`,
    [messageId],
  );
  return rows[0];
}

export interface AttemptRow {
  attempt: number;
  outcome: string | null;
  http_status: number;
  error_code: number | null;
  external_message_id: string | null;
  response_snippet: string | null;
}

export function attemptRows(messageId: string): Promise<AttemptRow[]> {
  return adminQuery<AttemptRow>(
    `select attempt, outcome, http_status, error_code, external_message_id, response_snippet
       from delivery.attempts where message_id = $1 order by attempt`,
    [messageId],
  );
}
