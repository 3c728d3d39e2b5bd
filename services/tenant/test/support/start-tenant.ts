import { randomBytes, randomInt } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import type { Client } from "@connectrpc/connect";
import { loadConfig, type RunningService, start } from "../../src/main.js";

export interface TenantHarness {
  url: string;
  namespace: string;
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  /** A bus on the service's namespace, for tests that consume its events. */
  bus: Bus;
  /** Every log line the service wrote (debug and up), kept in memory instead of printed. */
  logs: string[];
  /** Restarts the service on the same namespace with other variables (e.g. a rotated key ring). */
  restart(env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** The environment a test run gives the service: the real stack, a random port and namespace. */
export function testVariables(namespace: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = testEnv();
  return {
    DATABASE_URL: env.appUrl("tenant"),
    MIGRATION_DATABASE_URL: env.ownerUrl,
    REDIS_URL: env.redisUrl,
    NATS_URL: env.natsUrl,
    PORT: "0",
    BUS_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: `${namespace}:`,
    // Tests point channels at local fakes; production keeps the default "deny".
    GRAPH_BASE_URL_OVERRIDES: "allow",
    ...extra,
  };
}

export async function startTenantForTest(extra: Record<string, string> = {}): Promise<TenantHarness> {
  const namespace = uniqueNamespace("tenant");
  // Kept, not printed: the suite provokes failures on purpose, and tests assert on the lines.
  const logs: string[] = [];
  const logger = createLogger({
    service: "tenant",
    level: "debug",
    destination: { write: (line) => logs.push(line) },
  });
  let service: RunningService = await start(loadConfig(testVariables(namespace, extra)), { logger });
  const bus = await connectBus({ servers: testEnv().natsUrl, name: "tenant-test", logger, namespace });
  const harness: TenantHarness = {
    url: `http://127.0.0.1:${service.port}`,
    namespace,
    tenants: createServiceClient(TenantService, `http://127.0.0.1:${service.port}`),
    channels: createServiceClient(ChannelService, `http://127.0.0.1:${service.port}`),
    bus,
    logs,
    async restart(env = {}) {
      await service.stop();
      service = await start(loadConfig(testVariables(namespace, env)), { logger });
      harness.url = `http://127.0.0.1:${service.port}`;
      harness.tenants = createServiceClient(TenantService, harness.url);
      harness.channels = createServiceClient(ChannelService, harness.url);
    },
    async stop() {
      await service.stop();
      await bus.deleteNamespaceStreams();
      await bus.close();
    },
  };
  return harness;
}

/** A slug no other test run uses. */
export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** Random digits for Meta ids (phone_number_id, account ids are unique across every tenant). */
export function randomDigits(length = 15): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}
