import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { createLogger, redactUrlCredentials } from "../src/index.js";
import { createLineSink, type LineSink } from "./line-sink.js";

const SCHEMES = ["postgres", "postgresql", "redis", "rediss", "nats", "amqp", "amqps", "http", "https"];
// Each form with the secret it must hide and what it becomes.
const FORMS = [
  { userInfo: "app:pw-Secret1", secret: "pw-Secret1", masked: "***@" },
  { userInfo: ":pw-Secret2", secret: "pw-Secret2", masked: "***@" },
  { userInfo: "tok-Secret3", secret: "tok-Secret3", masked: "***@" },
  { userInfo: "app:p@ss-Secret4", secret: "ss-Secret4", masked: "***@" },
  { userInfo: 'app:pa"ss-Secret5', secret: "ss-Secret5", masked: "***@" },
];
const HOST = "db.internal:6000";

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => assert.fail("expected a failure"),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  return assert.fail("expected a throw");
}

/** The line as written, parsed (it stays valid JSON), and a check that `secret` is nowhere in it. */
function lineWithout(sink: LineSink, secret: string): { raw: string; record: Record<string, unknown> } {
  const raw = sink.raw.at(-1) ?? "";
  assert.ok(raw !== "", "a line was written");
  assert.ok(!raw.includes(secret), `"${secret}" reached the log: ${raw}`);
  return { raw, record: JSON.parse(raw) as Record<string, unknown> };
}

describe("credentials of URLs in log lines", () => {
  for (const scheme of SCHEMES) {
    for (const form of FORMS) {
      const url = `${scheme}://${form.userInfo}@${HOST}/x`;
      const shown = `${scheme}://${form.masked}${HOST}/x`;

      it(`masks ${scheme}://${form.userInfo}@ in the message, fields, nested values, bindings and errors`, () => {
        const sink = createLineSink();
        const logger = createLogger({ service: "redaction", destination: sink });

        logger.info(`connecting to ${url}`);
        assert.equal(lineWithout(sink, form.secret).record.msg, `connecting to ${shown}`);

        logger.info({ target: url, nested: { list: [{ deep: { url } }] } }, "configured");
        const fields = lineWithout(sink, form.secret).record;
        assert.equal(fields.target, shown);
        assert.deepEqual(fields.nested, { list: [{ deep: { url: shown } }] });

        logger.child({ upstream: url }).warn("via a child");
        assert.equal(lineWithout(sink, form.secret).record.upstream, shown);

        const err = new Error(`cannot reach ${url}`, { cause: new Error(`refused by ${url}`) });
        logger.error({ err }, "failed");
        const logged = lineWithout(sink, form.secret).record.err as Record<string, unknown>;
        // pino's error serializer adds the causes' messages to the message and the stack.
        assert.equal(logged.message, `cannot reach ${shown}: refused by ${shown}`);
        assert.match(String(logged.stack), new RegExp(`^Error: cannot reach ${regexOf(shown)}`));

        logger.error(new Error(`thrown at ${url}`));
        assert.equal(lineWithout(sink, form.secret).record.msg, `thrown at ${shown}`);
      });
    }
  }

  it("masks the URL an ioredis error carries in its properties", async () => {
    // ioredis parses the URL with `new URL`, whose TypeError keeps the whole input.
    const err = thrown(() => new Redis("redis://:redis-Secret6@127.0.0.1:notaport/0", { lazyConnect: true }));
    assert.ok(JSON.stringify(err).includes("redis-Secret6"), "the error itself carries the password");
    const sink = createLineSink();
    createLogger({ service: "redaction", destination: sink }).error({ err }, "redis failed");
    const logged = lineWithout(sink, "redis-Secret6").record.err as Record<string, unknown>;
    assert.equal(logged.input, "redis://***@127.0.0.1:notaport/0");
  });

  it("masks the token a NATS connection error carries", async () => {
    const err = await rejection(
      connect({ servers: "nats://nats-Secret7@127.0.0.1:notaport", timeout: 1000 }),
    );
    assert.ok(JSON.stringify(err).includes("nats-Secret7"), "the error itself carries the token");
    const sink = createLineSink();
    createLogger({ service: "redaction", destination: sink }).error({ err }, "nats failed");
    lineWithout(sink, "nats-Secret7");
  });

  it("leaves alone what holds no URL credentials", () => {
    const sink = createLineSink();
    const logger = createLogger({ service: "redaction", destination: sink });
    const plain = {
      email: "ana@example.com",
      url: "https://example.com/@handle?x=a@b",
      server: "nats://127.0.0.1:4222",
      mailto: "mailto:ana@example.com",
    };
    logger.info(plain, "nothing to hide at ana@example.com");
    const record = JSON.parse(sink.raw.at(-1) ?? "") as Record<string, unknown>;
    for (const [key, value] of Object.entries(plain)) assert.equal(record[key], value, key);
    assert.equal(record.msg, "nothing to hide at ana@example.com");
  });

  it("stays linear on long input with no URL in it", () => {
    const long = `${"a".repeat(200_000)}${"x://".repeat(20_000)}@`;
    const started = performance.now();
    redactUrlCredentials(long);
    // A quadratic scan of this input takes minutes; a linear one a few milliseconds.
    assert.ok(performance.now() - started < 1000, "the scan is linear");
  });
});

function regexOf(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
