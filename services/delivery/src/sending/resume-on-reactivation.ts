import { type EventContext, TransientError } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { countSendsInFlight } from "../store/held-deliveries.js";
import type { ResumeHeld } from "./resume-held.js";

export interface ResumeOnReactivationDeps {
  db: Db;
  resumeHeld: ResumeHeld;
  settings: {
    maxDeliver: number;
    /** How long a send claim is trusted (see the OutboundCreated consumer). */
    leaseMs: number;
  };
  now?: () => Date;
}

// Clocks of replicas differ a little; a send claimed this close after the reactivation is checked too.
const CLOCK_SKEW_MS = 1_000;

/**
 * The TenantReactivated event's part: releases and sends the tenant's held messages under the
 * event's id, and has the bus deliver the event again while some are to be retried or while a send
 * claimed before the reactivation may still settle HELD on an answer that predates it.
 */
export function createResumeOnReactivation(deps: ResumeOnReactivationDeps) {
  const { db, resumeHeld, settings } = deps;
  const now = deps.now ?? (() => new Date());

  return async function resumeOnReactivation(tenantId: string, ctx: EventContext): Promise<void> {
    const final = ctx.deliveryCount >= settings.maxDeliver;
    const startedAt = now();
    const report = await resumeHeld(tenantId, {
      releaseId: ctx.meta.eventId,
      meta: ctx.meta,
      signal: ctx.signal,
      logger: ctx.logger,
      final,
      working: () => ctx.working(),
    });
    if (final) return;
    if (report.retryInMs !== undefined) {
      throw new TransientError("some held messages are to be tried again", { delayMs: report.retryInMs });
    }
    const inFlight = await db.withTenant(tenantId, (em) =>
      countSendsInFlight(
        em,
        new Date(startedAt.getTime() - settings.leaseMs),
        new Date(startedAt.getTime() + CLOCK_SKEW_MS),
      ),
    );
    if (inFlight > 0) {
      throw new TransientError(`${inFlight} sends of the tenant were in flight at reactivation`);
    }
  };
}

export type ResumeOnReactivation = ReturnType<typeof createResumeOnReactivation>;
