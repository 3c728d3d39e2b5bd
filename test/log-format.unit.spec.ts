import assert from "node:assert/strict";
import { formatLogLine } from "../scripts/lib/log-format.js";

describe("dev log lines", () => {
  const plain = { color: false };

  it("shows a pino line as time, service, level, message and its fields", () => {
    const line = JSON.stringify({
      level: "info",
      time: "2026-11-25T03:14:18.123Z",
      service: "tenant",
      pid: 1,
      hostname: "h",
      trace_id: "abc",
      msg: "listening",
      host: "127.0.0.1",
      port: 7101,
    });
    const out = formatLogLine("tenant", line, plain);
    assert.equal(out.text, "03:14:18 tenant       INFO  listening host=127.0.0.1 port=7101");
    assert.equal(out.level, 30);
  });

  it("keeps an error's message and stack visible", () => {
    const line = JSON.stringify({
      level: "error",
      time: "2026-11-25T03:14:18.000Z",
      msg: "rpc failed",
      err: { message: "boom", stack: "Error: boom\n    at x (y.ts:1:1)" },
    });
    const out = formatLogLine("ingress", line, plain);
    assert.equal(out.level, 50);
    assert.match(out.text, /ERROR rpc failed err=boom/);
    assert.match(out.text, /\n {4}Error: boom\n {8}at x \(y\.ts:1:1\)/);
  });

  it("passes lines that are not JSON through, and shortens long values", () => {
    assert.match(
      formatLogLine("ai", "plain text from a crash", plain).text,
      / ai {11}plain text from a crash$/,
    );
    const long = formatLogLine("ai", JSON.stringify({ level: 30, msg: "m", blob: "x".repeat(500) }), plain);
    assert.ok(long.text.length < 200, long.text);
    assert.ok(long.text.endsWith("…"));
  });

  it("keeps info lines short: bus bookkeeping hidden, ids shortened; warnings keep everything", () => {
    const fields = {
      msg: "turn answered",
      component: "bus",
      durable: "ai-turn_ready",
      stream_seq: 4,
      tenant_id: "01a210b6-192d-734e-838f-11513ded0a6f",
    };
    const info = formatLogLine("ai", JSON.stringify({ level: "info", ...fields }), plain).text;
    assert.match(info, /INFO {2}turn answered tenant_id=01a210b6-192d…$/);
    const warn = formatLogLine("ai", JSON.stringify({ level: "warn", ...fields }), plain).text;
    assert.match(
      warn,
      /component=bus durable=ai-turn_ready stream_seq=4 tenant_id=01a210b6-192d-734e-838f-11513ded0a6f$/,
    );
  });

  it("colours only when asked", () => {
    const line = JSON.stringify({ level: "warn", msg: "slow" });
    assert.ok(!formatLogLine("ai", line, plain).text.includes("\u001b["));
    assert.ok(formatLogLine("ai", line, { color: true }).text.includes("\u001b[33mWARN "));
  });

  it("masks URL credentials in lines that did not come through the logger (a crash's stack)", () => {
    const crash =
      "Error: connect ECONNREFUSED redis://:crash-secret@127.0.0.1:6379 (nats://tok-secret@h:4222)";
    const out = formatLogLine("ingress", crash, plain).text;
    assert.ok(!/crash-secret|tok-secret/.test(out), out);
    assert.match(out, /redis:\/\/\*\*\*@127\.0\.0\.1:6379 \(nats:\/\/\*\*\*@h:4222\)$/);
  });
});
