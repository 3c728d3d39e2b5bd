// Ingress throughput against its baseline, in one run: a bare Node HTTP server
// that reads the body and answers 200, then the real ingress service (signature checked, row
// persisted, events in JetStream), both as separate processes, the load generator (autocannon) in
// this one. Two scenarios, each against the baseline with the same bodies: one message per
// webhook, and a burst of 20 messages in one body. Per target it reports requests per second,
// p50/p99 and the CPU time its process spent per request (from /proc), medians over the rounds,
// and the budget (throughput x0.20 of the baseline or more, p99 under 50 ms) as met or not met.
// The channel is made the way a customer makes one: its owner signs up at the tenant service and
// creates it with their access token. Every request is a distinct signed WhatsApp delivery; a
// request that ingress does not accept fails the bench, and so does a stream that holds fewer
// events than messages answered 200 (lost) or more than messages sent (doubled).
//
//   npm run bench                  ROUNDS=3 DURATION_S=10 CONNECTIONS=50 by default
//   npm run bench -- --smoke       one round of a second (what npm test runs)
//   INGRESS_NODE_OPTIONS=--cpu-prof npm run bench   profiles the service under load
//   SCENARIOS=1 npm run bench      only the scenario of 1 message per webhook (or 20)
//   WARMUP_S=5                     seconds of unmeasured load per target and scenario first (0: none)

import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connectBus, TENANT_ID_HEADER } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import { adminQuery, createIdentityKit, signMeta, uniqueNamespace, waitFor } from "@atendo/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomAuthEnv } from "../scripts/lib/auth-env.js";
import { type ServiceProcess, serviceEnv, startServiceProcess } from "../scripts/lib/launcher.js";
import { SERVICES, type ServiceName, type StackHandle, stackUp, stackUrls } from "../scripts/lib/stack.js";
import { TEST_DATABASE } from "../scripts/lib/test-env.js";
import { freePorts } from "../test/support/free-ports.js";
import { assertHealthy, loadRound, type Round } from "./lib/load-round.js";
import { type Budget, roundLine, summarize, summaryHeader, summaryLines } from "./lib/report.js";
import { runBench } from "./lib/run-bench.js";
import { stopChild } from "./lib/stop-child.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
// The bench measures ingress, not its webhook rate limits: its one channel (free plan) may take
// everything the load sends.
const UNLIMITED_WEBHOOKS = {
  WEBHOOK_RATE_FREE_TENANT_PER_SECOND: "1000000",
  WEBHOOK_RATE_FREE_TENANT_BURST: "10000000",
  WEBHOOK_RATE_FREE_CHANNEL_PER_SECOND: "1000000",
  WEBHOOK_RATE_FREE_CHANNEL_BURST: "10000000",
};
const APP_SECRET = "bench-app-secret";

const BUDGET: Budget = { minRatio: 0.2, maxP99Ms: 50 };
const ALL_SCENARIOS = [
  { name: "1 message per webhook", messages: 1 },
  { name: "20-message burst body", messages: 20 },
] as const;
// SCENARIOS=1 runs only the one-message scenario (profiling one shape at a time).
const SCENARIOS = ALL_SCENARIOS.filter(
  (s) => !process.env.SCENARIOS || process.env.SCENARIOS.split(",").includes(String(s.messages)),
);

let seq = 0;
function delivery(phoneNumberId: string, messages: number): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const senders = Array.from({ length: messages }, () => {
    seq++;
    return `5511${String(900000000 + (seq % 1000))}`;
  });
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "200000000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: phoneNumberId },
              contacts: [...new Set(senders)].map((waId) => ({ profile: { name: "Bench" }, wa_id: waId })),
              messages: senders.map((waId) => ({
                from: waId,
                id: `wamid.bench.${randomUUID()}`,
                timestamp,
                type: "text",
                text: { body: "Oi, tudo bem? Quero saber o horário de funcionamento." },
              })),
            },
          },
        ],
      },
    ],
  });
}

/** The baseline: what Node itself costs to read a body and answer. */
async function startBare(port: number): Promise<ChildProcess> {
  const code = `require("node:http").createServer((req,res)=>{req.resume();req.on("end",()=>{res.writeHead(200,{"content-type":"text/plain"});res.end("ok")})}).listen(${port},"127.0.0.1",()=>console.log("ready"))`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("exit", (c) => reject(new Error(`the baseline server exited with ${c}`)));
  });
  return child;
}

await runBench({ rounds: 3, durationS: 10, connections: 50 }, async ({ options, onStop }) => {
  const namespace = uniqueNamespace("bench");
  let stack: StackHandle | undefined;
  let bare: ChildProcess | undefined;
  let streams = false;
  let benchTenantId: string | undefined;
  const services = new Map<ServiceName, ServiceProcess>();
  // In the order they stop: what takes load first, the stack (when this run started it) last.
  onStop("ingress", async () => {
    await services.get("ingress")?.stop();
  });
  onStop("tenant", async () => {
    await services.get("tenant")?.stop();
  });
  // Tens of thousands of rows per run: left in the test database they would slow every later run
  // (autovacuum, checkpoints) and grow it without end.
  onStop("rows", async () => {
    if (stack === undefined || benchTenantId === undefined) return;
    const adminUrl = new URL(stack.config.pgAdminUrl);
    adminUrl.pathname = `/${TEST_DATABASE}`;
    await adminQuery(
      "delete from ingress.webhook_events where tenant_id = $1",
      [benchTenantId],
      adminUrl.href,
    );
  });
  onStop("baseline", () => stopChild(bare));
  onStop("streams", async () => {
    if (stack === undefined || !streams) return;
    const bus = await connectBus({
      servers: stackUrls(stack.config, TEST_DATABASE).natsUrl,
      name: "bench-cleanup",
      namespace,
      logger: createLogger({ service: "bench", level: "silent" }),
    });
    await bus.deleteNamespaceStreams();
    await bus.close();
  });
  onStop("stack", async () => {
    await stack?.stop();
  });

  const up = await stackUp(root, [TEST_DATABASE]);
  stack = up;
  const [barePort, ...servicePorts] = await freePorts(1 + SERVICES.length);
  const ports = Object.fromEntries(SERVICES.map((s, i) => [s, servicePorts[i]])) as Record<
    ServiceName,
    number
  >;
  bare = await startBare(barePort ?? 0);
  const auth = randomAuthEnv(namespace, []);
  const launch = async (name: "tenant" | "ingress"): Promise<ServiceProcess> => {
    const svc = startServiceProcess({
      name,
      root,
      env: serviceEnv({
        name,
        stack: up.config,
        database: TEST_DATABASE,
        ports,
        namespace,
        redisPrefix: `${namespace}:`,
        logLevel: "error",
        auth,
        extra:
          name === "ingress"
            ? {
                ...UNLIMITED_WEBHOOKS,

                ...(process.env.INGRESS_NODE_OPTIONS
                  ? { NODE_OPTIONS: process.env.INGRESS_NODE_OPTIONS }
                  : {}),
              }
            : {},
      }),
      // Quiet while measuring; ready() quotes the last lines when a service does not come up.
      onLine: () => undefined,
    });
    services.set(name, svc);
    streams = true;
    await svc.ready();
    return svc;
  };
  const tenant = await launch("tenant");
  const ingress = await launch("ingress");

  const owner = await createIdentityKit({ tenantUrl: tenant.url }).signUpOwner({ tenantName: "Bench" });
  benchTenantId = owner.tenantId;
  const phoneNumberId = `1${String(Date.now()).slice(-12)}`;
  const { channel } = await owner.clients.channels.createChannel({
    workspaceId: owner.workspaceId,
    name: "Bench WhatsApp",
    config: {
      case: "whatsapp",
      value: {
        phoneNumberId,
        wabaId: "200000000000001",
        accessToken: "bench-access-token",
        appSecret: APP_SECRET,
        verifyToken: "bench-verify-token",
      },
    },
  });
  if (channel === undefined) throw new Error("CreateChannel answered without a channel");

  const signed = (messages: number) => {
    const body = delivery(phoneNumberId, messages);
    return { body, headers: { "x-hub-signature-256": signMeta(APP_SECRET, body) } };
  };
  const targets = [
    { name: "bare node http", url: `http://127.0.0.1:${barePort}/`, pid: bare.pid },
    { name: "ingress", url: `${ingress.url}/webhooks/whatsapp/${channel.id}`, pid: ingress.pid },
  ];
  const results = new Map<string, Map<string, Round[]>>(SCENARIOS.map((s) => [s.name, new Map()]));
  // autocannon does not count the requests still in flight when a round ends: their events may be
  // in the stream too. So the stream must hold at least the messages answered 200 and at most those
  // built for ingress.
  let acceptedMessages = 0;
  let messagesBuilt = 0;
  // Unmeasured first (not in smoke mode): both targets' code is compiled hot before any round counts,
  // so round 1 measures the same server as round 3.
  const warmUpS = options.smoke ? 0 : Number(process.env.WARMUP_S ?? 5);
  const passes = [
    ...(warmUpS > 0 ? [{ round: -1, durationS: warmUpS }] : []),
    ...Array.from({ length: options.rounds }, (_, r) => ({ round: r, durationS: options.durationS })),
  ];
  for (const pass of passes) {
    for (const scenario of SCENARIOS) {
      for (const target of targets) {
        const round = await loadRound(
          {
            url: target.url,
            headers: { "content-type": "application/json" },
            request: () => {
              if (target.name === "ingress") messagesBuilt += scenario.messages;
              return signed(scenario.messages);
            },
            ...(target.pid === undefined ? {} : { pid: target.pid }),
          },
          { ...options, durationS: pass.durationS },
        );
        const label = `${target.name} x${scenario.messages}`;
        if (pass.round < 0) console.log(`warm-up ${label}: ${Math.round(round.rps)} req/s (not counted)`);
        else console.log(roundLine(pass.round, label, round));
        assertHealthy(target.name, round);
        if (target.name === "ingress") acceptedMessages += round.ok * scenario.messages;
        if (pass.round < 0) continue;
        const byTarget = results.get(scenario.name);
        byTarget?.set(target.name, [...(byTarget.get(target.name) ?? []), round]);
      }
    }
  }
  await assertEveryEventPublished(stackUrls(up.config, TEST_DATABASE).natsUrl, namespace, owner.tenantId, {
    min: acceptedMessages,
    max: messagesBuilt,
  });
  console.log(`\n${summaryHeader(options)}`);
  for (const [scenario, byTarget] of results) {
    console.log(summaryLines(scenario, summarize(byTarget), BUDGET).join("\n"));
  }
});

/**
 * A 200 from ingress means the delivery is stored and its events are in JetStream: the stream must
 * hold an event of the bench's tenant for every message accepted (fewer: a broken publish path) and
 * no more than messages were sent (more: doubles). Only its tenant's count: ingress's sweeper
 * republishes any tenant's rows left queued, such as those of an earlier run stopped mid-request,
 * into this run's stream.
 */
async function assertEveryEventPublished(
  natsUrl: string,
  namespace: string,
  tenantId: string,
  expected: { min: number; max: number },
): Promise<void> {
  const bus = await connectBus({
    servers: natsUrl,
    name: "bench-check",
    namespace,
    logger: createLogger({ service: "bench", level: "silent" }),
  });
  const nc = await connect({ servers: natsUrl, name: "bench-check" });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = bus.streamFor("ingress");
    let held = -1;
    await waitFor(
      async () => {
        held = (await jsm.streams.info(stream)).state.messages;
        return held >= expected.min;
      },
      {
        timeoutMs: 10_000,
        message: () => `${stream} holds ${held} events, expected ${expected.min} or more`,
      },
    );
    const ours = await countTenantEvents(nc, stream, tenantId, held);
    if (ours < expected.min) {
      throw new Error(
        `${stream} holds ${ours} events of the bench's tenant, expected ${expected.min} or more`,
      );
    }
    if (ours > expected.max) {
      throw new Error(
        `${stream} holds ${ours} events of the bench's tenant, more than the ${expected.max} sent`,
      );
    }
  } finally {
    await nc.close();
    await bus.close();
  }
}

/** Reads the first `total` events of the stream in order and counts those of the tenant. */
async function countTenantEvents(
  nc: Awaited<ReturnType<typeof connect>>,
  stream: string,
  tenantId: string,
  total: number,
): Promise<number> {
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages = await consumer.consume({ max_messages: 1000 });
  let read = 0;
  let ours = 0;
  for await (const msg of messages) {
    read++;
    if (msg.headers?.get(TENANT_ID_HEADER) === tenantId) ours++;
    if (read >= total) break;
  }
  await messages.close();
  return ours;
}
