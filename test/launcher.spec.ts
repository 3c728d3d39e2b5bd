import assert from "node:assert/strict";
import { createServer } from "node:net";
import { connectBus } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import { randomAuthEnv } from "../scripts/lib/auth-env.js";
import { SERVICE_PORTS } from "../scripts/lib/dev-ports.js";
import { serviceEnv, startServiceProcess } from "../scripts/lib/launcher.js";
import { busyPorts, describeBusyPorts } from "../scripts/lib/port-check.js";
import type { ServiceName } from "../scripts/lib/stack.js";
import { SERVICES, stackConfig } from "../scripts/lib/stack.js";
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
      SERVICE_CREDENTIAL: "dev-service-credential-ingress",
      AUTH_ISSUER: "atendo",
      // ingress's own development default, base64 of "atendo-ingress-dev-channel-cache".
      CHANNEL_CACHE_KEY: "YXRlbmRvLWluZ3Jlc3MtZGV2LWNoYW5uZWwtY2FjaGU=",
    });
    const tenant = serviceEnv({ name: "tenant", stack: stackConfig(root) });
    assert.equal(
      tenant.SERVICE_CREDENTIALS,
      SERVICES.map((s) => `${s}:dev-service-credential-${s}`).join(","),
      "the tenant service knows every service's credential",
    );
    assert.equal(tenant.SERVICE_CREDENTIAL, "dev-service-credential-tenant");
    assert.equal(tenant.PLATFORM_ADMIN_EMAILS, "admin@atendo.local");
    assert.equal(tenant.CHANNEL_CACHE_KEY, undefined, "only ingress seals a channel cache");
    const noMigrations = serviceEnv({ name: "tenant", stack: stackConfig(root), migrate: false });
    assert.equal(noMigrations.MIGRATION_DATABASE_URL, undefined);
    assert.match(noMigrations.DATABASE_URL ?? "", /\/atendo$/, "dev database by default");
  });

  it("gives every process of a test run the same fresh credentials, issuer and admins", () => {
    const auth = randomAuthEnv("run_1", ["admin-run-1@example.com"]);
    const envOf = (name: ServiceName) => serviceEnv({ name, stack: stackConfig(root), auth });
    const tenant = envOf("tenant");
    const listed = new Map(
      (tenant.SERVICE_CREDENTIALS ?? "").split(",").map((e) => e.split(":") as [string, string]),
    );
    assert.deepEqual([...listed.keys()], [...SERVICES]);
    for (const name of SERVICES) {
      const env = envOf(name);
      assert.equal(env.AUTH_ISSUER, "atendo-run_1");
      assert.equal(listed.get(name), env.SERVICE_CREDENTIAL, `${name}'s credential is the one tenant knows`);
      assert.ok((env.SERVICE_CREDENTIAL ?? "").length >= 32, `${name}'s credential is long`);
      assert.notEqual(env.SERVICE_CREDENTIAL, `dev-service-credential-${name}`);
    }
    assert.equal(new Set(listed.values()).size, SERVICES.length, "no two services share a credential");
    assert.equal(tenant.PLATFORM_ADMIN_EMAILS, "admin-run-1@example.com");
    assert.equal(Buffer.from(envOf("ingress").CHANNEL_CACHE_KEY ?? "", "base64").length, 32);
    const other = randomAuthEnv("run_2", []);
    assert.notEqual(other.credentials.ingress, auth.credentials.ingress, "each run draws its own");
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
