import { type Bus, type EncodedEvent, type EventContext, TransientError } from "@atendo/bus";
import type { Db } from "@atendo/db";
import type { EventMeta } from "@atendo/proto/common/v1";
import { type OutboundCreated, OutboundCreatedSchema } from "@atendo/proto/conversation/v1";
import { create, fromBinary } from "@bufbuild/protobuf";
import { encodeStatusChanged } from "../consumers/status-event.js";
import { runByKey } from "../domain/run-by-key.js";
import type { SendPacer } from "../pacing/send-pacer.js";
import { lockDeliveryByMessage } from "../store/deliveries.js";
import type { Delivery } from "../store/delivery-entity.js";
import { countSendsInFlight, listReleased, releaseHeld, requestOf } from "../store/held-deliveries.js";
import { claimLocked, lastErrorOf } from "../store/send-ledger.js";
import type { AttemptSend } from "./attempt-send.js";

export interface ResumeHeldSettings {
  /** Conversations sent at once. */
  concurrency: number;
  maxDeliver: number;
  /** How long a send claim is trusted (see the OutboundCreated consumer). */
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

const PAGE_SIZE = 200;
// Clocks of replicas differ a little; a send claimed this close after the reactivation is checked too.
const CLOCK_SKEW_MS = 1_000;

type StepOutcome = "sent" | "failed" | "held" | "retry" | "skipped" | "republished";

/** What one released delivery came to; `retryInMs` when it is to be tried again. */
interface Step {
  outcome: StepOutcome;
  retryInMs?: number;
  outputs: EncodedEvent[];
}

function decodeRequest(bytes: Uint8Array | undefined): OutboundCreated | undefined {
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  try {
    return fromBinary(OutboundCreatedSchema, bytes);
  } catch {
    return undefined;
  }
}

/**
 * Sends the deliveries a tenant's suspension held, when its TenantReactivated event arrives. Every
 * delivery still goes out at most once: each is claimed like any send (row lock, SENDING, attempt
 * recorded before the channel is called). Idempotent by state rather than by an inbox row: the
 * deliveries released by the event carry its id, so a redelivery of the event retries the ones still
 * pending and republishes the status of the ones already settled (same msgIDs: the stream drops the
 * duplicates).
 */
export function createResumeHeld(deps: ResumeHeldDeps) {
  const { db, bus, pacer, attemptSend, settings } = deps;
  const now = deps.now ?? (() => new Date());

  async function resumeOne(tenantId: string, d: Delivery, ctx: EventContext, last: boolean): Promise<Step> {
    ctx.signal.throwIfAborted();
    const eventId = ctx.meta.eventId;
    if (!last && d.status === "PENDING") {
      const wait = await pacer
        .waitMs({ channelId: d.channelId, recipient: d.recipient })
        .catch((err: unknown) => {
          ctx.logger.warn({ err }, "pacer unavailable; sending without it");
          return 0;
        });
      if (wait > 0) return { outcome: "retry", retryInMs: wait, outputs: [] };
    }
    const step = await db.withTenant(tenantId, async (em) => {
      const locked = await lockDeliveryByMessage(em, d.messageId);
      // Released by a later reactivation, or held again by a later suspension: not this event's.
      if (locked === null || locked.resumedByEventId !== eventId || locked.status === "HELD") {
        return { kind: "skip" as const };
      }
      const request = decodeRequest(await requestOf(em, locked.id));
      // The StatusChanged continues the conversation's chain (its workspace and correlation id).
      const parent: EventMeta = request?.meta ?? { ...ctx.meta, workspaceId: locked.workspaceId };
      const claim = await claimLocked(em, locked, { eventId, leaseMs: settings.leaseMs, now: now() });
      if (claim.kind === "settled") {
        const s = claim.delivery;
        const attempt = s.status === "SENT" || s.status === "FAILED" ? s.attemptCount : 0;
        const error = s.status === "FAILED" ? lastErrorOf(s) : undefined;
        return { kind: "republish" as const, outputs: [encodeStatusChanged(bus, s, parent, attempt, error)] };
      }
      if (claim.kind !== "claimed") return claim;
      return { kind: "claimed" as const, attempt: claim.attempt, request, parent };
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
    const logger = ctx.logger.child({ message_id: d.messageId });
    const result = await attemptSend({
      tenantId,
      // A request that did not decode sends nothing and fails as content the channel cannot carry.
      request: step.request ?? create(OutboundCreatedSchema, { channelId: d.channelId }),
      parent: step.parent,
      attempt: step.attempt,
      deliveryCount: ctx.deliveryCount,
      last,
      signal: ctx.signal,
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

  return async function resumeHeld(tenantId: string, ctx: EventContext): Promise<void> {
    const eventId = ctx.meta.eventId;
    const last = ctx.deliveryCount >= settings.maxDeliver;
    const startedAt = now();
    const released = await db.withTenant(tenantId, (em) => releaseHeld(em, eventId, startedAt));
    if (released > 0) ctx.logger.info({ released }, "tenant reactivated; sending held messages");

    let retryInMs: number | undefined;
    let afterMessageId: string | undefined;
    const counts: Record<StepOutcome, number> = {
      sent: 0,
      failed: 0,
      held: 0,
      retry: 0,
      skipped: 0,
      republished: 0,
    };
    for (;;) {
      const page = await db.withTenant(tenantId, (em) =>
        listReleased(em, eventId, afterMessageId, PAGE_SIZE),
      );
      await runByKey(
        page,
        (d) => d.conversationId,
        settings.concurrency,
        async (d) => {
          const step = await resumeOne(tenantId, d, ctx, last);
          // Before the ack: a crash here means a redelivery, which republishes from the stored state.
          for (const output of step.outputs) await bus.publishEncoded(output);
          if (step.retryInMs !== undefined) retryInMs = Math.min(retryInMs ?? step.retryInMs, step.retryInMs);
          counts[step.outcome]++;
          ctx.working();
        },
      );
      afterMessageId = page.at(-1)?.messageId;
      if (page.length < PAGE_SIZE) break;
    }
    ctx.logger.info({ released, ...counts }, "held messages handled");
    if (last) return;
    if (retryInMs !== undefined) {
      throw new TransientError("some held messages are to be tried again", { delayMs: retryInMs });
    }
    // A send claimed before this reactivation may still settle HELD on an answer that predates it:
    // look again once it has settled.
    const inFlight = await db.withTenant(tenantId, (em) =>
      countSendsInFlight(
        em,
        new Date(startedAt.getTime() - settings.leaseMs),
        new Date(startedAt.getTime() + CLOCK_SKEW_MS),
      ),
    );
    if (inFlight > 0)
      throw new TransientError(`${inFlight} sends of the tenant were in flight at reactivation`);
  };
}

export type ResumeHeld = ReturnType<typeof createResumeHeld>;
