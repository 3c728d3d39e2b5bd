import assert from "node:assert/strict";
import { http1, http2 } from "./support/raw-http.js";
import { startEchoServer } from "./support/start-echo-server.js";

interface ReadyBody {
  status: string;
  checks: Record<string, { ok: boolean; durationMs: number; error?: string }>;
  failing: string[];
}

const parse = (body: Buffer): ReadyBody => JSON.parse(body.toString()) as ReadyBody;

describe("server: /healthz and /readyz", () => {
  it("/healthz says the process is alive, whatever the readiness checks say", async () => {
    const s = await startEchoServer({
      readiness: [{ name: "postgres", check: () => Promise.reject(new Error("down")) }],
    });
    try {
      const res = await http1(s.port, { path: "/healthz" });
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), "ok");
      assert.match(String(res.headers["content-type"]), /^text\/plain/);
    } finally {
      await s.server.close();
    }
  });

  it("/readyz answers 200 with every check when all pass", async () => {
    const s = await startEchoServer({
      readiness: [
        { name: "postgres", check: async () => {} },
        { name: "redis", check: async () => {} },
      ],
    });
    try {
      const res = await http1(s.port, { path: "/readyz" });
      assert.equal(res.status, 200);
      const body = parse(res.body);
      assert.equal(body.status, "ready");
      assert.deepEqual(Object.keys(body.checks).sort(), ["postgres", "redis"]);
      assert.ok(Object.values(body.checks).every((c) => c.ok));
      assert.deepEqual(body.failing, []);
    } finally {
      await s.server.close();
    }
  });

  it("/readyz answers 503 naming the failing checks, without URL credentials", async () => {
    const s = await startEchoServer({
      readinessTimeoutMs: 100,
      readiness: [
        { name: "postgres", check: async () => {} },
        {
          name: "redis",
          check: () => Promise.reject(new Error("connect ECONNREFUSED redis://atendo:hunter2@10.0.0.9:6379")),
        },
        // Ignores its signal and never settles: the timeout must still end it.
        { name: "nats", check: () => new Promise<void>(() => {}) },
      ],
    });
    try {
      const res = await http2(s.port, { path: "/readyz" });
      assert.equal(res.status, 503);
      const body = parse(res.body);
      assert.equal(body.status, "not_ready");
      assert.deepEqual(body.failing.sort(), ["nats", "redis"]);
      assert.equal(body.checks.postgres?.ok, true);
      assert.equal(body.checks.redis?.ok, false);
      assert.match(body.checks.redis?.error ?? "", /ECONNREFUSED/);
      assert.doesNotMatch(res.body.toString(), /hunter2/);
      assert.match(body.checks.nats?.error ?? "", /timed out after 100 ms/);
      assert.ok(
        s.lines.some((l) => l.msg === "not ready"),
        "a failing probe is logged",
      );
    } finally {
      await s.server.close();
    }
  });

  it("runs the checks in parallel and aborts the signal of a check that times out", async () => {
    let bStarted = false;
    let aborted = false;
    const s = await startEchoServer({
      readinessTimeoutMs: 2000,
      readiness: [
        // Passes only if "b" is already running, i.e. the checks are not run one after the other.
        {
          name: "a",
          check: async () => {
            const deadline = Date.now() + 1000;
            while (!bStarted) {
              if (Date.now() > deadline) throw new Error("b never started");
              await new Promise((resolve) => setImmediate(resolve));
            }
          },
        },
        {
          name: "b",
          check: async () => {
            bStarted = true;
          },
        },
      ],
    });
    const slow = await startEchoServer({
      readinessTimeoutMs: 50,
      readiness: [
        {
          name: "slow",
          check: (signal) =>
            new Promise<void>((_, reject) => {
              signal.addEventListener("abort", () => {
                aborted = true;
                reject(signal.reason);
              });
            }),
        },
      ],
    });
    try {
      const res = await http1(s.port, { path: "/readyz" });
      assert.equal(res.status, 200, res.body.toString());
      const slowRes = await http1(slow.port, { path: "/readyz" });
      assert.equal(slowRes.status, 503);
      assert.equal(aborted, true);
    } finally {
      await s.server.close();
      await slow.server.close();
    }
  });
});
