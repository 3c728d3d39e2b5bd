import type { Logger } from "@atendo/telemetry";

/**
 * Where the crash tests stop a webhook for good, so that they can SIGKILL the process in a known
 * state (INGRESS_TEST_CRASH_POINT, refused in production): `before-publish` holds every publish once
 * its row is committed, `before-accept` holds every accepting UPDATE once the events are in the
 * stream. `none` (the default) costs a comparison.
 */
export type CrashPoint = "none" | "before-publish" | "before-accept";

export const CRASH_POINTS = ["none", "before-publish", "before-accept"] as const;

/** Never settles: the work waits here until the process is killed. Says so once, for the test. */
export function createCrashStall(point: CrashPoint, logger: Logger): () => Promise<never> {
  let said = false;
  return () => {
    if (!said) {
      said = true;
      logger.warn({ crash_point: point }, "test crash point reached: held until the process is killed");
    }
    return new Promise<never>(() => undefined);
  };
}
