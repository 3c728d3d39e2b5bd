import assert from "node:assert/strict";
import { createServer } from "node:net";
import { connectBus } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import { SERVICE_PORTS } from "../scripts/lib/dev-ports.js";
import { serviceEnv, startServiceProcess } from "../scripts/lib/launcher.js";
import { busyPorts, describeBusyPorts } from "../scripts/lib/port-check.js";
import { stackConfig } from "../scripts/lib/stack.js";
import { freePorts } from "./support/free-ports.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

describe("launcher", function () {
  this.timeout(60_000);

  it("builds a service's environment from the stack", () => {
    const env = serviceEnv({
      name: "ingress",
      stack: stackConfig(root, {
        ATENDO_PG_PORT: "5555",
        ATENDO_REDIS_PORT: "6666",
        ATENDO_NATS_PORT: "7777",
      }),
      database: "atendo_test",
      namespace: "ns_1",
      redisPrefix: "ns_1:",
    });
    assert.deepEqual(env, {
      PORT: String(SERVICE_PORTS.ingress),
      HOST: "127.0.0.1",
      DATABASE_URL: "postgres://atendo_ingress:atendo_ingress@127.0.0.1:5555/atendo_test",
      MIGRATION_DATABASE_URL: "postgres://atendo_owner:atendo_owner@127.0.0.1:5555/atendo_test",
      REDIS_URL: "redis://127.0.0.1:6666",
      NATS_URL: "nats://127.0.0.1:7777",
      LOG_LEVEL: "info",
      OTEL_EXPORTER: "none",
      REDIS_KEY_PREFIX: "ns_1:",
      BUS_NAMESPACE: "ns_1",
      TENANT_SERVICE_URL: "http://127.0.0.1:7101",
      CONVERSATION_SERVICE_URL: "http://127.0.0.1:7103",
      ASSISTANT_SERVICE_URL: "http://127.0.0.1:7104",
    });
    const noMigrations = serviceEnv({ name: "tenant", stack: stackConfig(root), migrate: false });
    assert.equal(noMigrations.MIGRATION_DATABASE_URL, undefined);
    assert.match(noMigrations.DATABASE_URL ?? "", /\/atendo$/, "dev database by default");
  });

  it("starts a service, sees it ready on /readyz, and stops it cleanly with SIGTERM", async () => {
    const [port] = await freePorts(1);
    const env = testEnv();
    const namespace = uniqueNamespace("launcher");
    const lines: string[] = [];
    const svc = startServiceProcess({
      name: "tenant",
      root,
      env: {
        ...serviceEnv({
          name: "tenant",
          stack: stackConfig(root),
          database: env.database,
          namespace: "launcher_t",
        }),
        PORT: String(port),
      },
      onLine: (line) => lines.push(line),
    });
    try {
      await svc.ready(45_000).catch((err: Error) => {
        throw new Error(`${err.message}\n--- output ---\n${lines.slice(-30).join("\n")}`);
      });
      assert.equal((await fetch(`${svc.url}/healthz`)).status, 200);
      assert.ok(svc.pid > 0);
      assert.equal(svc.hasExited, false);
    } finally {
      const code = await svc.stop(15_000);
      const bus = await connectBus({
        servers: env.natsUrl,
        name: "launcher-cleanup",
        namespace,
        logger: createLogger({ service: "launcher-test", level: "silent" }),
      });
      await bus.deleteNamespaceStreams();
      await bus.close();
      assert.equal(code, 0, lines.slice(-20).join("\n"));
    }
    assert.equal(svc.hasExited, true);
    assert.ok(
      lines.some((l) => l.includes('"listening"')),
      "its output reached onLine",
    );
  });

  it("reports a service that exits before it is ready, with its last lines", async () => {
    const [port] = await freePorts(1);
    const svc = startServiceProcess({
      name: "tenant",
      root,
      env: { PORT: String(port), DATABASE_URL: "not a url", REDIS_URL: "x", NATS_URL: "y" },
      onLine: () => {},
    });
    await assert.rejects(svc.ready(30_000), (err: Error) => {
      assert.match(err.message, /the tenant service exited \(code 1\) before it was ready/);
      assert.match(err.message, /DATABASE_URL/);
      return true;
    });
    assert.equal(await svc.exited, 1);
  });

  it("refuses a service without a fixed port", () => {
    assert.throws(() => startServiceProcess({ name: "ai", env: { PORT: "0" } }), /fixed port/);
  });
});

describe("port check", () => {
  it("names the ports that are taken", async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const address = s.address();
    const taken = typeof address === "object" && address !== null ? address.port : 0;
    const [free] = await freePorts(1);
    try {
      const busy = await busyPorts([
        { port: taken, what: "edge" },
        { port: free ?? 0, what: "tenant service" },
      ]);
      assert.deepEqual(busy, [{ port: taken, what: "edge" }]);
      assert.match(describeBusyPorts(busy), new RegExp(`${taken} \\(edge\\)`));
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});
