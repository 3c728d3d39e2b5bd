import assert from "node:assert/strict";
import { type Bus, newEventMeta, PermanentError, TransientError } from "@atendo/bus";
import { Health } from "@atendo/proto/health/v1";
import { TenantSuspendedSchema } from "@atendo/proto/tenant/v1";
import { createMetrics, createMetricsRegistry, type MetricsRegistry } from "@atendo/telemetry";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { createGate } from "./support/echo-impl.js";
import { EchoService } from "./support/echo-service.js";
import { type Exposition, parseExposition, samplesOf, sampleValue } from "./support/prometheus-text.js";
import { http1, http2 } from "./support/raw-http.js";
import { type EchoServer, startEchoServer } from "./support/start-echo-server.js";
import { createTestBuses } from "./support/test-bus.js";

const ECHO = "kittest.v1.EchoService";

async function scrape(port: number): Promise<Exposition> {
  const res = await http1(port, { path: "/metrics" });
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(res.body.toString());
}

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

describe("server: GET /metrics", () => {
  let s: EchoServer | undefined;
  afterEach(async () => {
    await s?.server.close();
    s = undefined;
  });

  it("counts every RPC once by service, method and code, with its duration in seconds", async () => {
    s = await startEchoServer();
    const client = createClient(
      EchoService,
      createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "1.1" }),
    );
    let okSeconds = 0;
    for (const text of ["one", "two"]) {
      const started = performance.now();
      await client.echo({ text });
      okSeconds += (performance.now() - started) / 1000;
    }
    assert.equal(await codeOf(client.echo({ text: "x", mode: "missing" })), Code.NotFound);
    assert.equal(await codeOf(client.echo({ text: "x", mode: "boom" })), Code.Internal);
    assert.equal(await codeOf(client.echo({ text: "" })), Code.InvalidArgument);
    // A stream counts once, however many messages it carries, with the code it ended with.
    const ticks = async (mode: string) => {
      for await (const _ of client.ticks({ text: "t", mode })) {
        // drained
      }
    };
    assert.equal(await codeOf(ticks("")), "ok");
    assert.equal(await codeOf(ticks("boom")), Code.Internal);
    // Health checks and probes are not RPC traffic.
    const health = createClient(Health, createGrpcTransport({ baseUrl: s.baseUrl }));
    await health.check({ service: "" });
    assert.equal((await http2(s.port, { path: "/healthz" })).status, 200);
    assert.equal((await http1(s.port, { path: "/readyz" })).status, 200);
    await scrape(s.port);

    const m = await scrape(s.port);
    assert.equal(m.types.get("atendo_rpc_requests_total"), "counter");
    assert.equal(m.types.get("atendo_rpc_duration_seconds"), "histogram");
    const requests = (method: string, code: string) =>
      sampleValue(m, "atendo_rpc_requests_total", { rpc_service: ECHO, rpc_method: method, rpc_code: code });
    assert.equal(requests("Echo", "ok"), 2);
    assert.equal(requests("Echo", "not_found"), 1);
    assert.equal(requests("Echo", "internal"), 1);
    assert.equal(requests("Echo", "invalid_argument"), 1);
    assert.equal(requests("Ticks", "ok"), 1);
    assert.equal(requests("Ticks", "internal"), 1);
    const total = samplesOf(m, "atendo_rpc_requests_total").reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(total, 7, "only the seven Echo and Ticks calls are counted");
    assert.ok(
      m.samples.every((sample) => sample.labels.rpc_service !== "grpc.health.v1.Health"),
      "health checks are not counted",
    );

    const okLabels = { rpc_service: ECHO, rpc_method: "Echo", rpc_code: "ok" };
    assert.equal(sampleValue(m, "atendo_rpc_duration_seconds_count", okLabels), 2);
    assert.equal(sampleValue(m, "atendo_rpc_duration_seconds_bucket", { ...okLabels, le: "+Inf" }), 2);
    const sum = sampleValue(m, "atendo_rpc_duration_seconds_sum", okLabels) ?? Number.NaN;
    // Seconds, measured inside the client's own timing of the same calls.
    assert.ok(sum > 0 && sum <= okSeconds, `recorded ${sum} s for calls the client timed at ${okSeconds} s`);
    const buckets = samplesOf(m, "atendo_rpc_duration_seconds_bucket", okLabels).map((b) => b.value);
    assert.deepEqual(
      buckets,
      [...buckets].sort((a, b) => a - b),
      "buckets are cumulative",
    );
    assert.equal(
      sampleValue(m, "atendo_rpc_duration_seconds_count", { rpc_method: "Ticks", rpc_code: "ok" }),
      1,
    );
  });

  it("times a call from its arrival until it is answered, and counts it only then", async () => {
    s = await startEchoServer();
    const client = createClient(
      EchoService,
      createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "2" }),
    );
    const issuedAt = performance.now();
    const held = client.echo({ text: "held", mode: "gate" });
    const server = s;
    await waitFor(() => server.gate.waiting === 1, { message: "the call to reach the handler" });
    const reachedAt = performance.now();
    const labels = { rpc_service: ECHO, rpc_method: "Echo", rpc_code: "ok" };
    assert.equal(sampleValue(await scrape(s.port), "atendo_rpc_requests_total", labels), undefined);
    const openedAt = performance.now();
    s.gate.open();
    await held;
    const answeredAt = performance.now();

    const m = await scrape(s.port);
    assert.equal(sampleValue(m, "atendo_rpc_requests_total", labels), 1);
    const seconds = sampleValue(m, "atendo_rpc_duration_seconds_sum", labels) ?? Number.NaN;
    // It spans at least the time the handler was seen waiting, and at most the client's whole call.
    const atLeast = (openedAt - reachedAt) / 1000;
    const atMost = (answeredAt - issuedAt) / 1000;
    assert.ok(
      seconds >= atLeast && seconds <= atMost,
      `recorded ${seconds} s, expected ${atLeast}..${atMost}`,
    );
  });
});

describe("server and bus on one /metrics (real NATS)", () => {
  const buses = createTestBuses();
  let bus: Bus;
  let extra: MetricsRegistry;
  let s: EchoServer | undefined;

  before(async () => {
    bus = await buses.open("kittest");
    await bus.ensureStream({ domain: "tenant" });
    extra = createMetricsRegistry({ service: "kittest" });
  });
  after(async () => {
    await s?.server.close();
    await buses.cleanup();
    await extra.shutdown();
  });

  const suspended = (tenantId: string) =>
    create(TenantSuspendedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", correlationId: "metrics" }),
      tenantId,
      reason: "metrics test",
    });

  it("shows publishes, consume outcomes, redeliveries, dead letters and lag next to the RPCs", async () => {
    // The server records into the bus's registry; another registry is served alongside.
    s = await startEchoServer({ metrics: bus.metrics, metricsSources: [extra] });
    assert.equal(s.server.metrics, bus.metrics);
    createMetrics("kittest", extra.meterProvider).recordEvent("atendo.tenant.v1.tenant_suspended", "ok");
    const port = s.port;
    const held = createGate();
    const consumer = await bus.consume({
      durable: "kit-metrics",
      schema: TenantSuspendedSchema,
      concurrency: 1,
      maxDeliver: 3,
      backoffMs: { initial: 50, max: 50 },
      handler: async (event, ctx) => {
        if (event.tenantId === "t-flaky" && ctx.deliveryCount === 1) throw new TransientError("later");
        if (event.tenantId === "t-poison") throw new PermanentError("cannot be handled");
        if (event.tenantId === "t-held") {
          await new Promise<void>((resolve) => {
            void held.promise.then(resolve);
            ctx.signal.addEventListener("abort", () => resolve());
          });
        }
      },
    });
    const stream = consumer.stream;
    const durable = { stream, durable: "kit-metrics" };
    const subject = bus.subjectFor(TenantSuspendedSchema);

    await bus.publish(TenantSuspendedSchema, suspended("t-flaky"));
    await bus.publish(TenantSuspendedSchema, suspended("t-poison"));
    await waitFor(
      async () => {
        const m = await scrape(port);
        return (
          sampleValue(m, "atendo_bus_consumed_total", { ...durable, outcome: "ack" }) === 1 &&
          sampleValue(m, "atendo_bus_consumed_total", { ...durable, outcome: "term" }) === 1
        );
      },
      { message: "the flaky event acked and the poison one terminated", timeoutMs: 10_000 },
    );

    // One held in the only handler slot, two waiting on the server.
    for (let i = 0; i < 3; i++) await bus.publish(TenantSuspendedSchema, suspended("t-held"));
    await waitFor(
      async () => {
        const m = await scrape(port);
        return (
          sampleValue(m, "atendo_bus_consumer_pending", durable) === 2 &&
          sampleValue(m, "atendo_bus_consumer_ack_pending", durable) === 1
        );
      },
      { message: "a lag of two pending and one unacknowledged", timeoutMs: 10_000 },
    );
    held.open();
    await waitFor(async () => sampleValue(await scrape(port), "atendo_bus_consumer_pending", durable) === 0, {
      message: "the lag to drain",
      timeoutMs: 10_000,
    });
    await waitFor(
      async () =>
        sampleValue(await scrape(port), "atendo_bus_consumed_total", { ...durable, outcome: "ack" }) === 4,
      { message: "every held event acked", timeoutMs: 10_000 },
    );
    await createClient(EchoService, createGrpcTransport({ baseUrl: s.baseUrl })).echo({ text: "hi" });

    const m = await scrape(port);
    assert.equal(sampleValue(m, "atendo_bus_published_total", { stream, subject, outcome: "ok" }), 5);
    assert.equal(sampleValue(m, "atendo_bus_consumed_total", { ...durable, outcome: "nak" }), 1);
    assert.equal(sampleValue(m, "atendo_bus_redelivered_total", durable), 1);
    assert.equal(sampleValue(m, "atendo_bus_dead_lettered_total", durable), 1);
    assert.equal(sampleValue(m, "atendo_bus_consumer_ack_pending", durable), 0);
    assert.equal(m.types.get("atendo_bus_consumer_pending"), "gauge");
    assert.equal(
      sampleValue(m, "atendo_rpc_requests_total", { rpc_service: ECHO, rpc_method: "Echo", rpc_code: "ok" }),
      1,
    );
    assert.equal(
      sampleValue(m, "atendo_events_handled_total", { outcome: "ok" }),
      1,
      "the extra source is served",
    );
    // One family per name across the sources, and no unbounded label values.
    assert.equal(new Set(m.typeLines).size, m.typeLines.length);
    const values = m.samples.flatMap((sample) => Object.values(sample.labels));
    for (const tenant of ["t-flaky", "t-poison", "t-held"]) assert.ok(!values.includes(tenant));
    await consumer.stop();
  });
});
