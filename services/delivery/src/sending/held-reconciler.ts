import { newEventMeta } from "@atendo/bus";
import { type Db, newId } from "@atendo/db";
import type { Logger } from "@atendo/telemetry";
import { type ChannelDirectory, ChannelNotFoundError } from "../clients/tenant-channels.js";
import { channelsAwaitingRelease } from "../store/held-deliveries.js";
import { tenantsWithHeldDeliveries } from "../store/held-tenants.js";
import type { ReleaseReport, ResumeHeld } from "./resume-held.js";

export interface HeldReconcilerDeps {
  db: Db;
  channels: Pick<ChannelDirectory, "resolve">;
  resumeHeld: ResumeHeld;
  logger: Logger;
  /** Pause between passes; 0 runs no pass on its own (reconcileOnce still works). */
  intervalMs: number;
  now?: () => Date;
}

/** What one pass found for one tenant. */
export type TenantReconciled =
  /** Its held deliveries were settled meanwhile (by the event or another replica). */
  | { tenantId: string; state: "none" }
  | { tenantId: string; state: "suspended" }
  | { tenantId: string; state: "released"; report: ReleaseReport }
  | { tenantId: string; state: "error" };

/**
 * Releases held messages without waiting for an event: every pass asks the tenant service, as this
 * service, whether each tenant with held (or half-released) deliveries is still suspended, and sends
 * those of the tenants that are not through the same release as TenantReactivated. Replicas may run
 * passes at once: the release and the send claims keep every message to one send.
 */
export interface HeldReconciler {
  reconcileOnce(): Promise<TenantReconciled[]>;
  start(): void;
  /** Stops the timer, aborts a pass in progress and waits for it (its release is taken over later). */
  stop(): Promise<void>;
}

const TENANT_PAGE = 100;
// Enough channels to find one that still exists; a tenant's state is the same on each of them.
const CHANNELS_ASKED = 5;

export function createHeldReconciler(deps: HeldReconcilerDeps): HeldReconciler {
  const { db, channels, resumeHeld, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> | undefined;

  /** Suspended or not, from a fresh answer; undefined when no channel of those held answers for it. */
  async function suspended(tenantId: string, channelIds: string[]): Promise<boolean | undefined> {
    for (const channelId of channelIds) {
      try {
        const channel = await channels.resolve(channelId, {
          fresh: true,
          correlationId: newId(),
          signal: stopping.signal,
        });
        if (channel.tenantId === tenantId) return channel.tenantSuspended;
        logger.error(
          { tenant_id: tenantId, channel_id: channelId },
          "held message names a channel of another tenant",
        );
      } catch (err) {
        if (!(err instanceof ChannelNotFoundError)) throw err;
      }
    }
    return undefined;
  }

  async function reconcileTenant(tenantId: string): Promise<TenantReconciled> {
    const channelIds = await db.withTenant(tenantId, (em) =>
      channelsAwaitingRelease(em, now(), CHANNELS_ASKED),
    );
    if (channelIds.length === 0) return { tenantId, state: "none" };
    if ((await suspended(tenantId, channelIds)) === true) {
      logger.debug({ tenant_id: tenantId }, "tenant still suspended; held messages kept");
      return { tenantId, state: "suspended" };
    }
    // Not suspended, or none of its channels exists any more (then each send fails as such).
    const releaseId = `reconcile:${newId()}`;
    const report = await resumeHeld(tenantId, {
      releaseId,
      meta: newEventMeta({ tenantId, workspaceId: "", correlationId: releaseId }),
      signal: stopping.signal,
      logger: logger.child({ tenant_id: tenantId, release_id: releaseId }),
      final: false,
      working: () => {},
    });
    return { tenantId, state: "released", report };
  }

  async function reconcileOnce(): Promise<TenantReconciled[]> {
    const results: TenantReconciled[] = [];
    let after: string | undefined;
    for (;;) {
      const tenants = await tenantsWithHeldDeliveries(db, after, TENANT_PAGE);
      for (const tenantId of tenants) {
        if (stopping.signal.aborted) return results;
        try {
          results.push(await reconcileTenant(tenantId));
        } catch (err) {
          // This tenant waits for the next pass; the others go on.
          logger.warn({ err, tenant_id: tenantId }, "reconciling held messages failed");
          results.push({ tenantId, state: "error" });
        }
      }
      after = tenants.at(-1);
      if (tenants.length < TENANT_PAGE) return results;
    }
  }

  function next(): void {
    if (stopping.signal.aborted || deps.intervalMs <= 0) return;
    timer = setTimeout(() => {
      pass = reconcileOnce()
        .catch((err: unknown) => logger.warn({ err }, "held messages pass failed"))
        .finally(next);
    }, deps.intervalMs);
  }

  return {
    reconcileOnce,
    start() {
      if (timer === undefined) next();
    },
    async stop() {
      stopping.abort(new Error("reconciler stopping"));
      clearTimeout(timer);
      await pass;
    },
  };
}
