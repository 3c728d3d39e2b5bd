import type { Bus, BusLogger, EncodedEvent } from "@atendo/bus";
import type { Db } from "@atendo/db";
import type { EventMeta } from "@atendo/proto/common/v1";
import { type OutboundCreated, OutboundCreatedSchema } from "@atendo/proto/conversation/v1";
import { create, fromBinary } from "@bufbuild/protobuf";
import { runByKey } from "../domain/run-by-key.js";
import type { SendPacer } from "../pacing/send-pacer.js";
import { lockDeliveryByMessage } from "../store/deliveries.js";
import type { Delivery } from "../store/delivery-entity.js";
import {
  finishReleased,
  handOverRelease,
  listReleased,
  releaseHeld,
  renewRelease,
  requestOf,
} from "../store/held-deliveries.js";
import { claimLocked, lastErrorOf } from "../store/send-ledger.js";
import type { AttemptSend } from "./attempt-send.js";
import { encodeStatusChanged } from "./status-event.js";

export interface ResumeHeldSettings {
  /** Conversations sent at once. */
  concurrency: number;
  /** Attempts of a released delivery before a retryable failure fails it. */
  maxDeliver: number;
  /** How long a send claim, and a release, is trusted without its run renewing it. */
  leaseMs: number;
}

export interface ResumeHeldDeps {
  db: Db;
  bus: Pick<Bus, "encode" | "publishEncoded">;
  pacer: SendPacer;
  attemptSend: AttemptSend;
  settings: ResumeHeldSettings;
  now?: () => Date;
}

/** One run of a release: what drives it (a TenantReactivated event, or a reconciler pass). */
export interface ReleaseRun {
  /** Marks the deliveries this run releases: the event's id, or the pass's own. */
  releaseId: string;
  /** The envelope a StatusChanged falls back on when the stored request does not decode. */
  meta: EventMeta;
  signal: AbortSignal;
  logger: BusLogger;
  /** Nothing will run this release again (the bus's last delivery): a retryable failure fails now. */
  final: boolean;
  /** Called after each delivery (an event handler's ack wait starts again). */
  working(): void;
}

export type StepOutcome = "sent" | "failed" | "held" | "retry" | "skipped" | "republished";

export interface ReleaseReport {
  released: number;
  adopted: number;
  counts: Record<StepOutcome, number>;
  /** Some deliveries are to be tried again, the first one in this many ms. */
  retryInMs?: number;
}

/** What one released delivery came to; `retryInMs` when it is to be tried again. */
interface Step {
  outcome: StepOutcome;
  retryInMs?: number;
  outputs: EncodedEvent[];
}

const PAGE_SIZE = 200;
// Outcomes after which this run is done with the delivery once `outputs` are published.
const FINISHED: ReadonlySet<StepOutcome> = new Set(["sent", "failed", "held", "republished"]);

function decodeRequest(bytes: Uint8Array | undefined): OutboundCreated | undefined {
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  try {
    return fromBinary(OutboundCreatedSchema, bytes);
  } catch {
    return undefined;
  }
}

/** Attempts since the delivery left HELD, before the next one. */
const triesOf = (d: Delivery) => d.attemptCount - (d.releasedAtAttempt ?? d.attemptCount);

/**
 * Releases a tenant's held deliveries and sends them: the one implementation behind the
 * TenantReactivated event and the periodic reconciler. Every delivery still goes out at most once:
 * each is claimed like any send (row lock, SENDING, attempt recorded before the channel is called).
 * A run marks what it releases with its id and a lease it renews while it lives; it clears a
 * delivery's lease only once its status is published. So a redelivery of the event retries the ones
 * still pending and republishes the settled ones (same msgIDs: the stream drops the duplicates), and
 * a run that stopped half-way is finished by the next run, whichever drives it.
 */
export function createResumeHeld(deps: ResumeHeldDeps) {
  const { db, bus, pacer, attemptSend, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const leaseUntil = () => new Date(now().getTime() + settings.leaseMs);

  async function resumeOne(tenantId: string, d: Delivery, run: ReleaseRun): Promise<Step> {
    run.signal.throwIfAborted();
    const { releaseId } = run;
    if (!run.final && triesOf(d) + 1 < settings.maxDeliver && d.status === "PENDING") {
      const wait = await pacer
        .waitMs({ channelId: d.channelId, recipient: d.recipient })
        .catch((err: unknown) => {
          run.logger.warn({ err }, "pacer unavailable; sending without it");
          return 0;
        });
      if (wait > 0) return { outcome: "retry", retryInMs: wait, outputs: [] };
    }
    const step = await db.withTenant(tenantId, async (em) => {
      const locked = await lockDeliveryByMessage(em, d.messageId);
      // Taken over by another release, or held again by a later suspension: not this run's.
      if (locked === null || locked.resumedByEventId !== releaseId || locked.status === "HELD") {
        return { kind: "skip" as const };
      }
      const request = decodeRequest(await requestOf(em, locked.id));
      // The StatusChanged continues the conversation's chain (its workspace and correlation id).
      const parent: EventMeta = request?.meta ?? { ...run.meta, workspaceId: locked.workspaceId };
      const claim = await claimLocked(em, locked, {
        eventId: releaseId,
        leaseMs: settings.leaseMs,
        now: now(),
      });
      if (claim.kind === "settled") {
        const s = claim.delivery;
        const attempt = s.status === "SENT" || s.status === "FAILED" ? s.attemptCount : 0;
        const error = s.status === "FAILED" ? lastErrorOf(s) : undefined;
        return { kind: "republish" as const, outputs: [encodeStatusChanged(bus, s, parent, attempt, error)] };
      }
      if (claim.kind !== "claimed") return claim;
      return { kind: "claimed" as const, attempt: claim.attempt, tries: triesOf(locked), request, parent };
    });

    switch (step.kind) {
      case "skip":
      case "busy_elsewhere":
        return { outcome: "skipped", outputs: [] };
      case "busy_self":
        return { outcome: "retry", retryInMs: step.retryInMs, outputs: [] };
      case "republish":
        return { outcome: "republished", outputs: step.outputs };
      case "claimed":
        break;
    }
    const logger = run.logger.child({ message_id: d.messageId });
    const result = await attemptSend({
      tenantId,
      // A request that did not decode sends nothing and fails as content the channel cannot carry.
      request: step.request ?? create(OutboundCreatedSchema, { channelId: d.channelId }),
      parent: step.parent,
      attempt: step.attempt,
      deliveryCount: step.tries,
      last: run.final || step.tries >= settings.maxDeliver,
      signal: run.signal,
      logger,
      store: (work) => db.withTenant(tenantId, work),
    });
    switch (result.kind) {
      case "retry":
        logger.warn({ attempt: step.attempt, code: result.error.code }, "held message failed; will retry");
        return { outcome: "retry", retryInMs: result.delayMs, outputs: [] };
      case "held":
        logger.info({ attempt: step.attempt }, "tenant suspended again; message held");
        return { outcome: "held", outputs: [] };
      case "sent":
        logger.info({ attempt: step.attempt }, "held message sent");
        return { outcome: "sent", outputs: result.outputs };
      case "failed":
        logger.warn({ attempt: step.attempt, code: result.error.code }, "held message failed");
        return { outcome: "failed", outputs: result.outputs };
    }
  }

  /** Sends one page; the deliveries it is done with are finished even when a later one fails. */
  async function runPage(tenantId: string, page: Delivery[], run: ReleaseRun, report: ReleaseReport) {
    const done: string[] = [];
    try {
      await runByKey(
        page,
        (d) => d.conversationId,
        settings.concurrency,
        async (d) => {
          const step = await resumeOne(tenantId, d, run);
          // Before the lease is cleared: a run that stops here leaves it to the next, which republishes.
          for (const output of step.outputs) await bus.publishEncoded(output);
          if (FINISHED.has(step.outcome)) done.push(d.id);
          if (step.retryInMs !== undefined) {
            report.retryInMs = Math.min(report.retryInMs ?? step.retryInMs, step.retryInMs);
          }
          report.counts[step.outcome]++;
          run.working();
        },
      );
    } finally {
      // Best effort: an unfinished delivery is only announced once more by a later run.
      await db
        .withTenant(tenantId, (em) => finishReleased(em, run.releaseId, done))
        .catch((err: unknown) => run.logger.warn({ err }, "could not mark released messages done"));
    }
  }

  return async function resumeHeld(tenantId: string, run: ReleaseRun): Promise<ReleaseReport> {
    const { releaseId } = run;
    const counts = await db.withTenant(tenantId, async (em) => {
      const taken = await releaseHeld(em, { releaseId, now: now(), leaseUntil: leaseUntil() });
      // A redelivered event's own deliveries were handed over when its last run ended: take them back.
      await renewRelease(em, releaseId, leaseUntil());
      return taken;
    });
    const report: ReleaseReport = {
      ...counts,
      counts: { sent: 0, failed: 0, held: 0, retry: 0, skipped: 0, republished: 0 },
    };
    if (counts.released + counts.adopted > 0) run.logger.info(counts, "sending held messages");

    // While this run lives, no other takes its deliveries over.
    let renewing: Promise<unknown> = Promise.resolve();
    const renewal = setInterval(() => {
      renewing = db
        .withTenant(tenantId, (em) => renewRelease(em, releaseId, leaseUntil()))
        .catch((err: unknown) => run.logger.warn({ err }, "could not renew the release's lease"));
    }, settings.leaseMs / 3);
    try {
      let afterMessageId: string | undefined;
      for (;;) {
        const page = await db.withTenant(tenantId, (em) =>
          listReleased(em, releaseId, afterMessageId, PAGE_SIZE),
        );
        await runPage(tenantId, page, run, report);
        afterMessageId = page.at(-1)?.messageId;
        if (page.length < PAGE_SIZE) break;
      }
    } finally {
      clearInterval(renewal);
      await renewing;
      // What is left (retries, sends of other claims) is due to the next run, whoever drives it.
      await db
        .withTenant(tenantId, (em) => handOverRelease(em, releaseId, now()))
        .catch((err: unknown) => run.logger.warn({ err }, "could not hand the release over"));
    }
    run.logger.info(
      { released: report.released, adopted: report.adopted, ...report.counts },
      "held messages handled",
    );
    return report;
  };
}

export type ResumeHeld = ReturnType<typeof createResumeHeld>;
