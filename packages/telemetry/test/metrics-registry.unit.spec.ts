import assert from "node:assert/strict";
import { createMetricsRegistry, createPrometheusScraper, type MetricsRegistry } from "../src/index.js";

/** The lines of a Prometheus text that are samples (not comments). */
function samples(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("metrics registry and Prometheus scrape", () => {
  const registries: MetricsRegistry[] = [];
  const registry = (service: string): MetricsRegistry => {
    const created = createMetricsRegistry({ service });
    registries.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.shutdown()));
  });

  it("serves counters cumulatively and histograms with their buckets, named for Prometheus", async () => {
    const r = registry("tenant");
    const meter = r.meterProvider.getMeter("@atendo/test");
    const calls = meter.createCounter("atendo.test.calls", { description: "Calls" });
    const duration = meter.createHistogram("atendo.test.duration_seconds", {
      unit: "s",
      advice: { explicitBucketBoundaries: [0.1, 1] },
    });
    const scraper = createPrometheusScraper([r]);
    calls.add(1, { method: "Get" });
    await scraper.scrape();
    calls.add(2, { method: "Get" });
    duration.record(0.05, { method: "Get" });
    duration.record(0.5, { method: "Get" });

    const { text, errors } = await scraper.scrape();
    assert.deepEqual(errors, []);
    assert.match(text, /^target_info\{service_name="tenant"\} 1$/m);
    assert.match(text, /^# TYPE atendo_test_calls_total counter$/m);
    assert.match(text, /^atendo_test_calls_total\{method="Get",otel_scope_name="@atendo\/test"\} 3$/m);
    assert.match(text, /^# TYPE atendo_test_duration_seconds histogram$/m);
    assert.match(
      text,
      /^atendo_test_duration_seconds_count\{method="Get",otel_scope_name="@atendo\/test"\} 2$/m,
    );
    assert.match(
      text,
      /^atendo_test_duration_seconds_sum\{method="Get",otel_scope_name="@atendo\/test"\} 0\.55$/m,
    );
    assert.match(
      text,
      /^atendo_test_duration_seconds_bucket\{method="Get",otel_scope_name="@atendo\/test",le="0\.1"\} 1$/m,
    );
    assert.match(
      text,
      /^atendo_test_duration_seconds_bucket\{method="Get",otel_scope_name="@atendo\/test",le="1"\} 2$/m,
    );
    assert.match(
      text,
      /^atendo_test_duration_seconds_bucket\{method="Get",otel_scope_name="@atendo\/test",le="\+Inf"\} 2$/m,
    );
  });

  it("merges several sources into one text with one HELP and TYPE per name", async () => {
    const a = registry("ingress");
    const b = registry("ingress");
    a.meterProvider.getMeter("one").createCounter("atendo.test.things", { description: "Things" }).add(1);
    b.meterProvider.getMeter("two").createCounter("atendo.test.things", { description: "Things" }).add(5);
    // The same source twice is read once.
    const { text } = await createPrometheusScraper([a, b, a]).scrape();
    assert.equal(text.match(/^# TYPE atendo_test_things_total counter$/gm)?.length, 1);
    assert.equal(text.match(/^# HELP atendo_test_things_total /gm)?.length, 1);
    assert.deepEqual(
      samples(text)
        .filter((l) => l.startsWith("atendo_test_things_total"))
        .sort(),
      [
        'atendo_test_things_total{otel_scope_name="one"} 1',
        'atendo_test_things_total{otel_scope_name="two"} 5',
      ],
    );
  });

  it("shows an observable gauge's series only while its callback observes them", async () => {
    const r = registry("conversation");
    const depth = r.meterProvider.getMeter("@atendo/test").createObservableGauge("atendo.test.depth");
    let observed: Record<string, number> = { a: 3, b: 4 };
    depth.addCallback((result) => {
      for (const [queue, value] of Object.entries(observed)) result.observe(value, { queue });
    });
    const scraper = createPrometheusScraper([r]);
    const first = samples((await scraper.scrape()).text).filter((l) => l.startsWith("atendo_test_depth"));
    assert.deepEqual(first.sort(), [
      'atendo_test_depth{queue="a",otel_scope_name="@atendo/test"} 3',
      'atendo_test_depth{queue="b",otel_scope_name="@atendo/test"} 4',
    ]);
    observed = { a: 0 };
    const second = samples((await scraper.scrape()).text).filter((l) => l.startsWith("atendo_test_depth"));
    assert.deepEqual(second, ['atendo_test_depth{queue="a",otel_scope_name="@atendo/test"} 0']);
  });

  it("answers within its timeout when an observation hangs, with the other metrics", async () => {
    const r = registry("delivery");
    const meter = r.meterProvider.getMeter("@atendo/test");
    meter.createCounter("atendo.test.sent").add(7);
    meter.createObservableGauge("atendo.test.stuck").addCallback(() => new Promise<void>(() => {}));
    const started = performance.now();
    const { text, errors } = await createPrometheusScraper([r], { timeoutMs: 200 }).scrape();
    assert.ok(performance.now() - started < 2_000, "the scrape waited for the hung observation");
    assert.equal(errors.length, 1);
    assert.match(text, /^atendo_test_sent_total\{otel_scope_name="@atendo\/test"\} 7$/m);
    assert.doesNotMatch(text, /^atendo_test_stuck/m);
  });
});
