import type { Logger } from "@atendo/telemetry";
import type { ResealJob } from "./reseal-job.js";

/**
 * The start-up pass of the re-encryption job, in the background: readiness does not wait for it,
 * and stop() interrupts it between rows (the next start, or another replica, carries on).
 */
export function startResealPass(
  job: ResealJob,
  logger: Logger,
): { done: Promise<void>; stop(): Promise<void> } {
  const abort = new AbortController();
  const done = job.run({ signal: abort.signal }).then(
    (report) => {
      const { channels, signingKeys } = report;
      if (channels.resealed + channels.failed + signingKeys.resealed + signingKeys.failed === 0) return;
      const level = channels.failed + signingKeys.failed > 0 ? "warn" : "info";
      logger[level](report, "re-sealed secrets with the active key of CHANNEL_SECRET_KEYS");
    },
    (err: unknown) => {
      if (!abort.signal.aborted) logger.error({ err }, "re-sealing secrets with the active key failed");
    },
  );
  return {
    done,
    async stop() {
      abort.abort();
      await done;
    },
  };
}
