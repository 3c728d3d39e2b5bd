// The whole product as separate processes, the way `npm run dev` runs it: the six services
// (launcher + serviceEnv) on free ports and their own bus namespace and Redis prefix, the fake Graph
// API, and the demo seeded through the services' RPCs. Used by the end-to-end specs.
import { connectBus } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import type { FakeGraph } from "@atendo/testing";
import { startFakeGraph, testEnv, uniqueNamespace } from "@atendo/testing";
import { devExtras } from "../../scripts/lib/dev-env.js";
import type { ServiceProcess } from "../../scripts/lib/launcher.js";
import { serviceEnv, startServiceProcess } from "../../scripts/lib/launcher.js";
import type { DemoSeed, DemoSpec } from "../../scripts/lib/seed.js";
import { seedDemo } from "../../scripts/lib/seed.js";
import type { ServiceName } from "../../scripts/lib/stack.js";
import { SERVICES, stackConfig } from "../../scripts/lib/stack.js";
import { freePorts } from "./free-ports.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

export interface ProductOptions {
  /** Demo values to override (slug and tenant name are made unique unless given). */
  spec?: Partial<DemoSpec>;
  /** Extra variables per service, laid over the dev ones (BUFFER_WINDOW_MS=100 by default). */
  extra?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface Product {
  namespace: string;
  ports: Record<ServiceName, number>;
  graph: FakeGraph;
  seed: DemoSeed;
  url(name: ServiceName): string;
  /** The running process of a service (the latest one after a restart). */
  process(name: ServiceName): ServiceProcess;
  /** Starts a service again on its port (after kill or stop) and waits until it is ready. */
  restart(name: ServiceName): Promise<ServiceProcess>;
  /** The output lines of every process of a service, for failure messages. */
  output(name: ServiceName): string[];
  /** Stops every service (SIGTERM) and the fake, deletes the namespace's streams; exit codes by service. */
  stop(): Promise<Map<ServiceName, number | null>>;
}

export async function startProduct(options: ProductOptions = {}): Promise<Product> {
  const namespace = uniqueNamespace("e2e");
  const env = testEnv();
  const list = await freePorts(SERVICES.length);
  const ports = Object.fromEntries(SERVICES.map((s, i) => [s, list[i]])) as Record<ServiceName, number>;
  const graph = await startFakeGraph();
  const running = new Map<ServiceName, ServiceProcess>();
  const lines = new Map<ServiceName, string[]>();
  const url = (name: ServiceName): string => `http://127.0.0.1:${ports[name]}`;

  const launch = (name: ServiceName): ServiceProcess => {
    const out = lines.get(name) ?? [];
    lines.set(name, out);
    const svc = startServiceProcess({
      name,
      root,
      env: serviceEnv({
        name,
        stack: stackConfig(root),
        database: env.database,
        ports,
        namespace,
        redisPrefix: `${namespace}:`,
        logLevel: "warn",
        extra: {
          ...devExtras(name, graph.url),
          ...(name === "conversation" ? { BUFFER_WINDOW_MS: "100" } : {}),
          ...options.extra?.[name],
        },
      }),
      onLine: (line) => out.push(line),
      keepLines: 200,
    });
    running.set(name, svc);
    return svc;
  };

  const stop = async (): Promise<Map<ServiceName, number | null>> => {
    const exits = new Map<ServiceName, number | null>();
    await Promise.all(
      [...running.values()].map(async (s) => {
        exits.set(s.name, await s.stop(20_000));
      }),
    );
    await graph.close();
    const bus = await connectBus({
      servers: env.natsUrl,
      name: "e2e-cleanup",
      namespace,
      logger: createLogger({ service: "e2e", level: "silent" }),
    });
    await bus.deleteNamespaceStreams();
    await bus.close();
    return exits;
  };

  try {
    await launch("tenant").ready(60_000);
    await Promise.all(SERVICES.filter((s) => s !== "tenant").map((s) => launch(s).ready(60_000)));
    const slug = `e2e-${namespace.slice(4).replace(/_/g, "-")}`;
    const seed = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec: { slug, tenantName: `E2E ${namespace}`, ...options.spec },
    });
    return {
      namespace,
      ports,
      graph,
      seed,
      url,
      process(name) {
        const svc = running.get(name);
        if (svc === undefined) throw new Error(`${name} was never started`);
        return svc;
      },
      async restart(name) {
        const svc = launch(name);
        await svc.ready(60_000);
        return svc;
      },
      output: (name) => [...(lines.get(name) ?? [])],
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
