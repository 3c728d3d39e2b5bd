// npm run test:unit: the tests that need no server (no Postgres, Redis or NATS), in seconds and
// without starting the stack. They are the spec files named `*.unit.spec.ts`; `npm test` runs them
// too, with everything else. The stack's addresses point at a closed port here, so a unit test that
// starts to need a server fails at once instead of passing on a machine where one happens to run.
//   test-unit.ts                  every unit test
//   test-unit.ts packages/bus     the unit tests of one workspace (or a spec file)

import { freePorts } from "../test/support/free-ports.js";
import { TEST_DATABASE } from "./lib/test-env.js";
import { spawnMocha, specsOf, splitArgs } from "./mocha.js";

export const UNIT_SUFFIX = ".unit.spec.ts";
export const UNIT_SPEC_GLOBS = [
  `packages/*/test/**/*${UNIT_SUFFIX}`,
  `services/*/test/**/*${UNIT_SUFFIX}`,
  `test/**/*${UNIT_SUFFIX}`,
];

export async function unitTestEnv(): Promise<Record<string, string>> {
  // Free a moment ago, and nothing of this run listens on it.
  const [port] = await freePorts(1);
  return {
    ATENDO_TEST_PG_HOST: "127.0.0.1",
    ATENDO_TEST_PG_PORT: String(port),
    ATENDO_TEST_DATABASE: TEST_DATABASE,
    ATENDO_TEST_REDIS_URL: `redis://127.0.0.1:${port}`,
    ATENDO_TEST_NATS_URL: `nats://127.0.0.1:${port}`,
  };
}

if (import.meta.main) {
  const { targets, extra } = splitArgs(process.argv.slice(2));
  const specs = targets.length > 0 ? targets.map((t) => specsOf(t, UNIT_SUFFIX)) : UNIT_SPEC_GLOBS;
  process.exit(spawnMocha(specs, { ...process.env, ...(await unitTestEnv()) }, extra));
}
