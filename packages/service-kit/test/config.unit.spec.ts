import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  bool,
  busOptionsOf,
  ConfigError,
  commonConfigOf,
  commonConfigSpec,
  int,
  oneOf,
  readConfig,
  redactConfig,
  redisConfigOf,
  redisConfigSpec,
  type Secret,
  secret,
  str,
  url,
} from "../src/index.js";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  const spec = {
    NAME: str("the display name"),
    PORT: int("the port to listen on", { min: 0, max: 65535 }),
    WORKERS: int("how many workers run", { min: 1 }).default(4),
    DEBUG: bool("whether to log everything").default(false),
    DATABASE_URL: url("the Postgres URL of the service's login role", {
      protocols: ["postgres:", "postgresql:"],
    }),
    MODE: oneOf("how the model is reached", ["offline", "openai"]),
    API_KEY: secret("the OpenAI API key").optional(),
    TIMEOUT_MS: int("the model timeout").optional(),
  };

  it("returns a typed object, with defaults, and optional variables absent when unset", () => {
    const config = readConfig(spec, {
      NAME: "tenant",
      PORT: "7101",
      DATABASE_URL: "postgres://atendo_tenant:atendo_tenant@127.0.0.1:55432/atendo",
      MODE: "openai",
      DEBUG: "yes",
    });
    const port: number = config.PORT;
    const mode: "offline" | "openai" = config.MODE;
    assert.equal(port, 7101);
    assert.equal(mode, "openai");
    assert.equal(config.NAME, "tenant");
    assert.equal(config.WORKERS, 4);
    assert.equal(config.DEBUG, true);
    assert.equal(config.DATABASE_URL, "postgres://atendo_tenant:atendo_tenant@127.0.0.1:55432/atendo");
    assert.equal("API_KEY" in config, false);
    assert.equal("TIMEOUT_MS" in config, false);
    const key: Secret | undefined = config.API_KEY;
    assert.equal(key, undefined);
  });

  it("fails with one error naming every missing and invalid variable and what it should be", () => {
    const err = configError(() =>
      readConfig(spec, {
        PORT: "70000",
        WORKERS: "many",
        DEBUG: "maybe",
        DATABASE_URL: "mysql://root:hunter2@db/app",
        MODE: "  ",
      }),
    );
    assert.deepEqual(err.problems, [
      "NAME is missing: the display name",
      "PORT is invalid: got 70000; it should be an integer from 0 to 65535 (the port to listen on)",
      'WORKERS is invalid: got "many"; it should be an integer of at least 1 (how many workers run)',
      'DEBUG is invalid: got "maybe"; it should be true or false (whether to log everything)',
      'DATABASE_URL is invalid: got protocol "mysql:"; it should be a URL with protocol postgres: or postgresql: (the Postgres URL of the service\'s login role)',
      "MODE is missing: how the model is reached (one of offline, openai)",
    ]);
    assert.match(err.message, /^invalid configuration:\n {2}- NAME is missing/);
    assert.ok(!err.message.includes("hunter2"));
  });

  it("never prints a secret or a URL's credentials", () => {
    const err = configError(() =>
      readConfig(
        { DATABASE_URL: url("the db", { protocols: ["postgres:"] }) },
        { DATABASE_URL: "hunter2 not a url" },
      ),
    );
    assert.deepEqual(err.problems, [
      "DATABASE_URL is invalid: got a value that is not a URL; it should be a URL with protocol postgres: (the db)",
    ]);

    const config = readConfig(
      { API_KEY: secret("the key"), DATABASE_URL: url("the db", { protocols: ["postgres:"] }) },
      { API_KEY: "sk-live-123", DATABASE_URL: "postgres://u:pw-xyz@h/db" },
    );
    assert.equal(config.API_KEY.reveal(), "sk-live-123");
    for (const printed of [
      JSON.stringify(config),
      `${config.API_KEY}`,
      String(config.API_KEY),
      inspect(config),
      JSON.stringify(redactConfig(config)),
    ]) {
      assert.ok(!printed.includes("sk-live-123"), printed);
    }
    assert.deepEqual(redactConfig(config), { API_KEY: "[secret]", DATABASE_URL: "postgres://***@h/db" });
  });

  it("accepts the usual spellings of booleans and rejects non-integers", () => {
    const s = { B: bool("b"), N: int("n") };
    for (const [raw, value] of [
      ["true", true],
      ["ON", true],
      ["1", true],
      ["no", false],
      ["0", false],
    ] as const) {
      assert.equal(readConfig(s, { B: raw, N: "-3" }).B, value);
    }
    assert.equal(readConfig(s, { B: "true", N: "-3" }).N, -3);
    for (const bad of ["1.5", "1e3", "0x10", "99999999999999999999"]) {
      assert.throws(() => readConfig(s, { B: "true", N: bad }), ConfigError, bad);
    }
  });

  describe("commonConfigSpec", () => {
    it("reads the variables every service has, with the service's defaults", () => {
      const config = readConfig(
        { ...commonConfigSpec("tenant", { PORT: 7101 }), ...redisConfigSpec() },
        {
          DATABASE_URL: "postgres://atendo_tenant:atendo_tenant@127.0.0.1:55432/atendo",
          REDIS_URL: "redis://127.0.0.1:56379",
          NATS_URL: "nats://127.0.0.1:54222",
        },
      );
      assert.equal(config.PORT, 7101);
      assert.equal(config.HOST, "127.0.0.1");
      assert.equal(config.LOG_LEVEL, "info");
      assert.equal(config.OTEL_EXPORTER, "none");
      assert.equal("MIGRATION_DATABASE_URL" in config, false);
      assert.equal(config.REDIS_URL, "redis://127.0.0.1:56379");
      assert.deepEqual(commonConfigOf(config), {
        port: 7101,
        host: "127.0.0.1",
        logLevel: "info",
        otelExporter: "none",
        databaseUrl: "postgres://atendo_tenant:atendo_tenant@127.0.0.1:55432/atendo",
        natsUrl: "nats://127.0.0.1:54222",
        deadLetterRetentionDays: 30,
      });
      assert.deepEqual(redisConfigOf(config), {
        redisUrl: "redis://127.0.0.1:56379",
        redisKeyPrefix: "atendo:",
        redisCommandTimeoutMs: 2000,
        redisConnectTimeoutMs: 5000,
        redisMaxRetriesPerRequest: 2,
      });
    });

    it("gives connectBus the shared bus settings, namespace and dead-letter retention included", () => {
      const config = commonConfigOf(
        readConfig(commonConfigSpec("delivery", { PORT: 0 }), {
          DATABASE_URL: "postgres://a:b@h/d",
          NATS_URL: "nats://h:4222",
          BUS_NAMESPACE: "t1",
          DEAD_LETTER_RETENTION_DAYS: "45",
        }),
      );
      const logger = { child: () => logger } as never;
      assert.deepEqual(busOptionsOf(config, "delivery", logger), {
        servers: "nats://h:4222",
        name: "delivery",
        logger,
        namespace: "t1",
        deadLetterRetentionDays: 45,
      });
      const plain = busOptionsOf({ natsUrl: "nats://h:4222" }, "ai", logger);
      assert.equal("namespace" in plain || "deadLetterRetentionDays" in plain, false);
    });

    it("names each missing connection with the service's role", () => {
      const err = configError(() =>
        readConfig({ ...commonConfigSpec("ingress"), ...redisConfigSpec() }, { OTEL_EXPORTER: "jaeger" }),
      );
      assert.deepEqual(err.problems, [
        "PORT is missing: the port the ingress service listens on, 0 for any free port (an integer from 0 to 65535)",
        'OTEL_EXPORTER is invalid: got "jaeger"; it should be one of none, console, otlp (where traces and metrics go)',
        "DATABASE_URL is missing: the Postgres URL of the ingress service's login role (atendo_ingress) (a URL with protocol postgres: or postgresql:)",
        "NATS_URL is missing: the NATS server URL (a URL with protocol nats: or tls:)",
        "REDIS_URL is missing: the Redis URL (a URL with protocol redis: or rediss:)",
      ]);
    });

    it("extends with the service's own variables", () => {
      const config = readConfig(
        { ...commonConfigSpec("ai", { PORT: 0 }), OPENAI_API_KEY: secret("the OpenAI API key").optional() },
        {
          DATABASE_URL: "postgres://a:b@h/d",
          MIGRATION_DATABASE_URL: "postgres://atendo_owner:x@h/d",
          REDIS_URL: "redis://h",
          NATS_URL: "nats://h:4222",
          OPENAI_API_KEY: "sk-1",
        },
      );
      assert.equal(config.PORT, 0);
      assert.equal(config.MIGRATION_DATABASE_URL, "postgres://atendo_owner:x@h/d");
      assert.equal(commonConfigOf(config).migrationDatabaseUrl, "postgres://atendo_owner:x@h/d");
      assert.equal(
        readConfig(commonConfigSpec("ai", { PORT: 0 }), {
          DATABASE_URL: "postgres://a:b@h/d",
          NATS_URL: "nats://h:4222",
          DEAD_LETTER_RETENTION_DAYS: "90",
        }).DEAD_LETTER_RETENTION_DAYS,
        90,
      );
      assert.equal(config.OPENAI_API_KEY?.reveal(), "sk-1");
    });
  });
});
