// npm run dev: the whole product on one machine. Starts (or finds) Postgres, Redis and NATS, a local
// Meta Graph API, the six services (each migrating its schema at start), seeds the demo tenant (its
// owner and the platform admin sign up, or log in when they exist; WhatsApp, Instagram and web-chat
// channels), opens the edge on 7100 and the web-chat widget's demo page on 7180, and prints how to
// talk to it, logins included. Ctrl-C stops what this run started.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeGraph } from "@atendo/testing";
import { startFakeGraph } from "@atendo/testing";
import { refreshInstagramBody, refreshWebhookBody } from "./lib/demo-webhook.js";
import { devCorsOrigins, devExtras } from "./lib/dev-env.js";
import { EDGE_PORT, FAKE_GRAPH_PORT, localUrl, SERVICE_PORTS, WIDGET_DEMO_PORT } from "./lib/dev-ports.js";
import { devSummary } from "./lib/dev-summary.js";
import type { Edge } from "./lib/edge.js";
import { createEdge } from "./lib/edge.js";
import { graphSendLine } from "./lib/graph-send-line.js";
import type { ServiceProcess } from "./lib/launcher.js";
import { serviceEnv, startServiceProcess } from "./lib/launcher.js";
import { formatLogLine } from "./lib/log-format.js";
import { busyPorts, describeBusyPorts } from "./lib/port-check.js";
import { seedDemo } from "./lib/seed.js";
import type { ServiceName, StackHandle } from "./lib/stack.js";
import { SERVICES, stackUp } from "./lib/stack.js";
import type { WidgetDemo } from "./lib/widget-demo/widget-demo-server.js";
import { startWidgetDemo } from "./lib/widget-demo/widget-demo-server.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const DATABASE = "atendo";
const FIXTURE = "packages/testing/fixtures/whatsapp/two-text-messages.json";
const DEMO_WEBHOOK = ".local/dev/whatsapp-demo.json";
const INSTAGRAM_FIXTURE = "packages/testing/fixtures/instagram/two-messages.json";
const INSTAGRAM_WEBHOOK = ".local/dev/instagram-demo.json";
const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const list = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
const corsOrigins = devCorsOrigins(process.env.ATENDO_CORS_ORIGINS);
// Proxies in front of the edge whose X-Forwarded-For it keeps (none: a client cannot pick its address).
const trustedProxies = list(process.env.ATENDO_EDGE_TRUSTED_PROXIES ?? "");
// tenant first: everyone else looks channels and workspaces up through it.
const LATER: readonly ServiceName[] = SERVICES.filter((s) => s !== "tenant");

const say = (line: string): void => {
  process.stdout.write(`${color ? "\u001b[1m" : ""}atendo:${color ? "\u001b[0m" : ""} ${line}\n`);
};
const shout = (lines: string[]): void => {
  const bar = "!".repeat(72);
  const red = (s: string) => (color ? `\u001b[1;31m${s}\u001b[0m` : s);
  process.stderr.write(`${red(bar)}\n${lines.map((l) => red(`!! ${l}`)).join("\n")}\n${red(bar)}\n`);
};

let stack: StackHandle | undefined;
let graph: FakeGraph | undefined;
let edge: Edge | undefined;
let widgetDemo: WidgetDemo | undefined;
const running = new Map<ServiceName, ServiceProcess>();
let stopping: Promise<void> | undefined;

async function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    say("stopping");
    await edge?.close(3000).catch(() => undefined);
    await widgetDemo?.close().catch(() => undefined);
    await Promise.all(
      [...running.values()].map(async (svc) => {
        const exit = await svc.stop(15_000);
        if (exit !== 0 && exit !== null) say(`${svc.name} exited with code ${exit}`);
      }),
    );
    await graph?.close().catch(() => undefined);
    if (stack !== undefined && stack.started.length > 0) {
      say(`stopping ${stack.started.join(", ")}`);
      await stack.stop().catch((err: unknown) => say(`could not stop the stack: ${String(err)}`));
    }
  })();
  await stopping;
  process.exit(code);
}

process.on("SIGINT", () => onSignal());
process.on("SIGTERM", () => onSignal());
// A second Ctrl-C does not wait: kill the children now.
function onSignal(): void {
  if (stopping !== undefined) {
    for (const svc of running.values()) svc.kill();
    process.exit(130);
  }
  void shutdown(0);
}
// Services run in their own process groups: never leave one behind, whatever ends this process.
process.on("exit", () => {
  for (const svc of running.values()) if (!svc.hasExited) svc.kill();
});

function launch(name: ServiceName, graphUrl: string): ServiceProcess {
  const svc = startServiceProcess({
    name,
    root,
    env: serviceEnv({
      name,
      stack: stackOrThrow().config,
      database: DATABASE,
      extra: devExtras(name, graphUrl),
    }),
    onLine: (line, stream) => {
      const { text, level } = formatLogLine(name, line, { color });
      (level >= 50 || stream === "stderr" ? process.stderr : process.stdout).write(`${text}\n`);
    },
  });
  running.set(name, svc);
  void svc.exited.then((code) => {
    if (stopping !== undefined) return;
    shout([
      `the ${name} service CRASHED (exit code ${code}); the others keep running.`,
      "last lines:",
      ...svc.recentLines().slice(-12),
      "fix it and restart `npm run dev`.",
    ]);
  });
  return svc;
}

function stackOrThrow(): StackHandle {
  if (stack === undefined) throw new Error("the stack is not up");
  return stack;
}

function fail(lines: string[]): Promise<never> {
  shout(lines);
  return shutdown(1);
}

async function main(): Promise<void> {
  const missing = SERVICES.filter((s) => !existsSync(join(root, "services", s, "src", "main.ts")));
  if (missing.length > 0) {
    return fail([`no src/main.ts yet in: ${missing.map((s) => `services/${s}`).join(", ")}`]);
  }
  const busy = await busyPorts([
    { port: EDGE_PORT, what: "edge" },
    ...SERVICES.map((s) => ({ port: SERVICE_PORTS[s], what: `${s} service` })),
    { port: FAKE_GRAPH_PORT, what: "fake Graph API" },
    { port: WIDGET_DEMO_PORT, what: "web-chat widget demo page" },
  ]);
  if (busy.length > 0) return fail(describeBusyPorts(busy).split("\n"));

  stack = await stackUp(root, [DATABASE]);
  say(
    `stack ready (${stack.started.length > 0 ? `started ${stack.started.join(", ")}` : "already running"})`,
  );
  if (stack.postgres !== undefined) say(`Postgres data in ${stack.postgres.dataDir}`);

  graph = await startFakeGraph({
    port: FAKE_GRAPH_PORT,
    logger: {
      info() {
        const send = graph?.sends.at(-1);
        if (send !== undefined) say(graphSendLine(send));
      },
    },
  });
  say(`fake Graph API on ${graph.url}`);

  const graphUrl = graph.url;
  const tenant = launch("tenant", graphUrl);
  try {
    await tenant.ready(90_000);
  } catch (err) {
    return fail([String(err instanceof Error ? err.message : err)]);
  }
  const others = LATER.map((name) => launch(name, graphUrl));
  const results = await Promise.allSettled(others.map((s) => s.ready(90_000)));
  const notReady = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  if (notReady.length > 0) return fail(["some services did not start:", ...notReady]);
  say("all six services are ready");

  let seed: Awaited<ReturnType<typeof seedDemo>>;
  try {
    seed = await seedDemo({
      tenantUrl: localUrl(SERVICE_PORTS.tenant),
      assistantUrl: localUrl(SERVICE_PORTS.assistant),
      graphBaseUrl: graph.url,
    });
  } catch (err) {
    return fail(["seeding the demo failed:", err instanceof Error ? err.message : String(err)]);
  }
  say(seed.changed.length > 0 ? `demo seeded (${seed.changed.join(", ")})` : "demo already seeded");

  edge = createEdge({
    upstreams: Object.fromEntries(SERVICES.map((s) => [s, localUrl(SERVICE_PORTS[s])])),
    corsOrigins,
    trustedProxies,
    logger: {
      info: (obj, msg) => say(`edge: ${msg} ${JSON.stringify(obj)}`),
      warn: (obj, msg) => say(`edge: ${msg} ${JSON.stringify(obj)}`),
    },
    onRequest: (e) => {
      if (e.route === "webhooks" || e.status >= 500) {
        say(`edge: ${e.method} ${e.path} -> ${e.status} (${e.route}, ${e.durationMs} ms)`);
      }
    },
  });
  await edge.listen(EDGE_PORT);
  widgetDemo = await startWidgetDemo({
    edgeUrl: localUrl(EDGE_PORT),
    siteKey: seed.siteKey,
    port: WIDGET_DEMO_PORT,
  });

  mkdirSync(join(root, ".local", "dev"), { recursive: true });
  writeFileSync(
    join(root, DEMO_WEBHOOK),
    refreshWebhookBody(readFileSync(join(root, FIXTURE)), {
      nowSeconds: Math.floor(Date.now() / 1000),
      idSuffix: Date.now().toString(36),
    }),
  );
  writeFileSync(
    join(root, INSTAGRAM_WEBHOOK),
    refreshInstagramBody(readFileSync(join(root, INSTAGRAM_FIXTURE)), {
      nowMs: Date.now(),
      idSuffix: Date.now().toString(36),
    }),
  );

  process.stdout.write(
    devSummary({
      root,
      edgeUrl: localUrl(EDGE_PORT),
      graphUrl: graph.url,
      services: SERVICES.map((s) => ({ name: s, url: localUrl(SERVICE_PORTS[s]) })),
      seed,
      webhookFile: DEMO_WEBHOOK,
      fixtureFile: FIXTURE,
      instagramWebhookFile: INSTAGRAM_WEBHOOK,
      widgetPageUrl: widgetDemo.url,
    }),
  );
}

main().catch((err: unknown) => fail([err instanceof Error ? (err.stack ?? err.message) : String(err)]));
