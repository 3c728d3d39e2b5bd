// The whole product as separate processes, the way `npm run dev` runs it: the six services
// (launcher + serviceEnv) on free ports and their own bus namespace and Redis prefix, with fresh
// service credentials and a token issuer of their own, the fake Graph API, and the demo seeded
// through the services' RPCs (its owner and platform admin signed up with emails of this run).
// Used by the end-to-end specs.
import { connectBus } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import type { FakeGraph } from "@atendo/testing";
import { startFakeGraph, testEnv, uniqueNamespace } from "@atendo/testing";
import type { AuthEnv } from "../../scripts/lib/auth-env.js";
import { randomAuthEnv } from "../../scripts/lib/auth-env.js";
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
  /** Demo values to override (slug, tenant name and emails are made unique unless given). */
  spec?: Partial<DemoSpec>;
  /** Extra variables per service, laid over the dev ones (BUFFER_WINDOW_MS=100 by default). */
  extra?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface Product {
  namespace: string;
  ports: Record<ServiceName, number>;
  graph: FakeGraph;
  seed: DemoSeed;
  /** The run's credentials, issuer and platform admins (every service got them). */
  auth: AuthEnv;
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
  const run = namespace.replace(/_/g, "-");
  const spec: Partial<DemoSpec> = {
    slug: run,
    tenantName: `E2E ${namespace}`,
    ownerEmail: `owner-${run}@e2e.atendo.local`,
    adminEmail: `admin-${run}@e2e.atendo.local`,
    ...options.spec,
  };
  const auth = randomAuthEnv(namespace, [spec.adminEmail ?? ""]);

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
        auth,
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
    const seed = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec,
    });
    return {
      namespace,
      ports,
      graph,
      seed,
      auth,
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
