// Ingress throughput against its baseline, in one run (ARCHITECTURE.md §8): a bare Node HTTP server
// that reads the body and answers 200, then the real ingress service (signature checked, row
// persisted, events in JetStream) — both as separate processes, the load generator (autocannon, 50
// connections) in this one. Every request is a distinct signed WhatsApp delivery. Each target runs
// `ROUNDS` times; the report gives medians and the ratio.
//
//   npm run bench                      (ROUNDS=3 DURATION_S=10 CONNECTIONS=50 by default)

import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { connectBus } from "@atendo/bus";
import { ChannelService, Plan, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { testEnv } from "@atendo/testing";
import autocannon from "autocannon";
import { serviceEnv, startServiceProcess } from "../scripts/lib/launcher.js";
import { SERVICES, stackConfig, stackUp } from "../scripts/lib/stack.js";
import { freePorts } from "../test/support/free-ports.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_S = Number(process.env.DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const APP_SECRET = "bench-app-secret";

interface Round {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

let seq = 0;
function delivery(phoneNumberId: string): string {
  seq++;
  const waId = `5511${String(900000000 + (seq % 1000))}`;
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
              contacts: [{ profile: { name: "Bench" }, wa_id: waId }],
              messages: [
                {
                  from: waId,
                  id: `wamid.bench.${randomUUID()}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body: "Oi, tudo bem? Quero saber o horário de funcionamento." },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

async function load(url: string, phoneNumberId: string): Promise<Round> {
  const result = await autocannon({
    url,
    method: "POST",
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { "content-type": "application/json" },
    requests: [
      {
        method: "POST",
        // A fresh delivery per request: distinct wamids, each signed like Meta signs it.
        setupRequest: (req) => {
          const body = delivery(phoneNumberId);
          const signature = `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}`;
          return { ...req, body, headers: { ...req.headers, "x-hub-signature-256": signature } };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

function startBare(port: number): ChildProcess {
  // The baseline: what Node itself costs to read a body and answer.
  const code = `require("node:http").createServer((req,res)=>{const c=[];req.on("data",d=>c.push(d));req.on("end",()=>{res.writeHead(200,{"content-type":"text/plain"});res.end("ok")})}).listen(${port},"127.0.0.1",()=>console.log("ready"))`;
  return spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
}

async function waitReady(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("exit", (c) => reject(new Error(`baseline exited with ${c}`)));
  });
}

/** A tenant, workspace and WhatsApp channel signed with APP_SECRET, through the tenant service. */
async function createChannel(tenantUrl: string, namespace: string, phoneNumberId: string): Promise<string> {
  const tenants = createServiceClient(TenantService, tenantUrl);
  const channels = createServiceClient(ChannelService, tenantUrl);
  const { tenant } = await tenants.createTenant({
    name: "Bench",
    slug: namespace.replace(/_/g, "-"),
    plan: Plan.ENTERPRISE,
  });
  const { workspace } = await tenants.createWorkspace({ tenantId: tenant?.id ?? "", name: "Bench" });
  const { channel } = await channels.createChannel({
    workspaceId: workspace?.id ?? "",
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
  return channel?.id ?? "";
}

async function main(): Promise<void> {
  const stack = await stackUp(root, ["atendo_test"]);
  const env = testEnv();
  const namespace = `bench_${randomUUID().slice(0, 8)}`;
  const [barePort, ...servicePorts] = await freePorts(1 + SERVICES.length);
  const ports = Object.fromEntries(SERVICES.map((s, i) => [s, servicePorts[i]])) as Record<
    (typeof SERVICES)[number],
    number
  >;
  const bare = startBare(barePort ?? 0);
  await waitReady(bare);
  const launch = (name: "tenant" | "ingress") =>
    startServiceProcess({
      name,
      root,
      env: serviceEnv({
        name,
        stack: stackConfig(root),
        database: env.database,
        ports,
        namespace,
        redisPrefix: `${namespace}:`,
        logLevel: "error",
        // INGRESS_NODE_OPTIONS=--cpu-prof profiles the service under load.
        extra:
          name === "ingress" && process.env.INGRESS_NODE_OPTIONS
            ? { NODE_OPTIONS: process.env.INGRESS_NODE_OPTIONS }
            : {},
      }),
      onLine: () => {},
    });
  const tenant = launch("tenant");
  await tenant.ready();
  const ingress = launch("ingress");
  await ingress.ready();
  const phoneNumberId = `1${String(Date.now()).slice(-12)}`;
  const channelId = await createChannel(tenant.url, namespace, phoneNumberId);

  const targets = {
    "bare node http": `http://127.0.0.1:${barePort}/`,
    ingress: `${ingress.url}/webhooks/whatsapp/${channelId}`,
  };
  const results: Record<string, Round[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, url] of Object.entries(targets)) {
      const round = await load(url, phoneNumberId);
      results[name] = [...(results[name] ?? []), round];
      console.log(
        `round ${r + 1} ${name.padEnd(15)} ${round.rps.toFixed(0).padStart(7)} req/s  p50 ${round.p50} ms  p99 ${round.p99} ms  failed ${round.non2xx}`,
      );
    }
  }

  const summary = Object.fromEntries(
    Object.entries(results).map(([name, rounds]) => [
      name,
      {
        rps: median(rounds.map((x) => x.rps)),
        p99: median(rounds.map((x) => x.p99)),
        failed: rounds.reduce((a, x) => a + x.non2xx, 0),
      },
    ]),
  );
  const bareRps = summary["bare node http"]?.rps ?? 0;
  const ingressRps = summary.ingress?.rps ?? 0;
  console.log(`\nmedians over ${ROUNDS} rounds of ${DURATION_S} s at ${CONNECTIONS} connections:`);
  for (const [name, s] of Object.entries(summary)) {
    console.log(
      `  ${name.padEnd(15)} ${s.rps.toFixed(0).padStart(7)} req/s  p99 ${s.p99} ms  failed ${s.failed}`,
    );
  }
  const ratio = bareRps > 0 ? ingressRps / bareRps : 0;
  console.log(`  ingress / bare = ${ratio.toFixed(3)} (budget: >= 0.20, p99 < 50 ms)`);

  bare.kill();
  await ingress.stop();
  await tenant.stop();
  const bus = await connectBus({
    servers: env.natsUrl,
    name: "bench-cleanup",
    namespace,
    logger: createLogger({ service: "bench", level: "silent" }),
  });
  await bus.deleteNamespaceStreams();
  await bus.close();
  await stack.stop();
}

await main();
