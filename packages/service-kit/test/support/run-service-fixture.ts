// The smallest service run the way every main.ts runs (test/run-service.spec.ts spawns it): a Redis
// connection, a listening TCP server and a timer, opened through createResources.
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import {
  closeRedis,
  connectRedis,
  createResources,
  LOG_LEVELS,
  type LogLevel,
  type OtelExporter,
  oneOf,
  readConfig,
  runService,
  type ServiceStartOptions,
  url,
} from "../../src/index.js";

interface FixtureConfig {
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  redisUrl: string;
  /** "resources": fail after opening everything; "no": start. */
  failStart: "no" | "resources";
}

function loadConfig(): FixtureConfig {
  const c = readConfig({
    LOG_LEVEL: oneOf("the minimum level of log lines", LOG_LEVELS).default("debug"),
    REDIS_URL: url("the Redis URL", { protocols: ["redis:"] }),
    FAIL_START: oneOf("whether start fails once everything is open", ["no", "resources"] as const).default(
      "no",
    ),
  });
  return { logLevel: c.LOG_LEVEL, otelExporter: "none", redisUrl: c.REDIS_URL, failStart: c.FAIL_START };
}

async function listen(): Promise<Server> {
  const server = createServer((socket) => socket.end());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

async function start(config: FixtureConfig, { logger }: ServiceStartOptions) {
  // What is still open when the process ends: a released resource leaves no handle behind.
  // The order resources were closed in, recorded as it happens: the log lines say it too, but pino's
  // asynchronous stdout can land an in-flight line after the ones flushed synchronously at exit.
  const closed: string[] = [];
  process.once("exit", () => {
    process.stderr.write(
      `${JSON.stringify({ activeAtExit: process.getActiveResourcesInfo(), closedOrder: closed })}\n`,
    );
  });
  const resources = createResources(logger);
  return resources.guard(async () => {
    await resources.open(
      "redis",
      () =>
        connectRedis({ redisUrl: config.redisUrl, redisKeyPrefix: "fixture:" }, { name: "fixture", logger }),
      async (redis) => {
        await closeRedis(redis);
        closed.push("redis");
      },
    );
    const server = await resources.open(
      "server",
      listen,
      (s) =>
        new Promise<void>((done) =>
          s.close(() => {
            closed.push("server");
            done();
          }),
        ),
    );
    const timer = setInterval(() => undefined, 60_000);
    resources.onClose("timer", () => {
      clearInterval(timer);
      closed.push("timer");
    });
    if (config.failStart === "resources") throw new Error("told to fail once everything is open");
    logger.info({ port: (server.address() as { port: number }).port }, "fixture listening");
    return { stop: resources.closeAll };
  });
}

await runService({ name: "fixture", loadConfig, start });
