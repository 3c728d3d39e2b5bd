import type { Logger } from "pino";
import type { AtendoServer, ServerOptions } from "../../src/index.js";
import { createServer } from "../../src/index.js";
import type { Gate } from "./echo-impl.js";
import { createEchoImpl, createGate } from "./echo-impl.js";
import { EchoService } from "./echo-service.js";
import { createLogSink, type LogLine } from "./log-sink.js";

export interface EchoServer {
  server: AtendoServer;
  port: number;
  baseUrl: string;
  gate: Gate;
  logger: Logger;
  lines: LogLine[];
}

/** The echo service on a real port; `overrides` replace any option but the routes. */
export async function startEchoServer(
  overrides: Partial<Omit<ServerOptions, "routes">> = {},
): Promise<EchoServer> {
  const { logger, lines } = createLogSink();
  const gate = createGate();
  const server = createServer({
    service: "kittest",
    logger,
    routes: (router) => router.service(EchoService, createEchoImpl(gate)),
    ...overrides,
  });
  const port = await server.listen(0, "127.0.0.1");
  return {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    gate,
    logger: overrides.logger ?? logger,
    lines,
  };
}
