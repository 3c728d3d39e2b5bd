// Environment handed to mocha: where the test stack lives. @atendo/testing reads the same names.
import type { StackConfig } from "./stack.js";

export const TEST_DATABASE = "atendo_test";

export function testEnvVars(cfg: StackConfig): Record<string, string> {
  return {
    ATENDO_TEST_PG_HOST: cfg.host,
    ATENDO_TEST_PG_PORT: String(cfg.pgPort),
    ATENDO_TEST_DATABASE: TEST_DATABASE,
    ATENDO_TEST_REDIS_URL: `redis://${cfg.host}:${cfg.redisPort}`,
    ATENDO_TEST_NATS_URL: `nats://${cfg.host}:${cfg.natsPort}`,
  };
}
