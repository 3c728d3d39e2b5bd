// Environment handed to mocha: where the test stack lives. @atendo/testing reads the same names.
// Also the programs some tests drive besides the stack, which `npm test` installs before the tests
// so an install (minutes, once) happens outside any test's time limit.
import { ensureVersityGw } from "@atendo/testing";
import type { StackConfig } from "./stack.js";
import { ensureChromium } from "./system-packages.js";

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

/**
 * Chromium (the widget page's browser test), from the system's packages, and versitygw (the real S3
 * server of the media tests), built with Go into .tools/.
 */
export function ensureTestTools(root: string): number {
  console.log(`chromium   ${ensureChromium()}`);
  console.log(`versitygw  ${ensureVersityGw(root)}`);
  return 0;
}
