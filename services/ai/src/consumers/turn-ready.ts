import {
  type Bus,
  type Consumer,
  causedBy,
  type EventHandler,
  PermanentError,
  TransientError,
} from "@atendo/bus";
import { type Db, type Inbox, isUuid } from "@atendo/db";
import { ReplyGeneratedSchema, UsageOperation, UsageRecordedSchema } from "@atendo/proto/ai/v1";
import type { Actor } from "@atendo/proto/common/v1";
import { TurnReadySchema } from "@atendo/proto/conversation/v1";
import { withCorrelationId } from "@atendo/service-kit";
import { Code, ConnectError } from "@connectrpc/connect";
import type { AssistantConfigs } from "../clients/assistant-configs.js";
import type { TurnContexts } from "../clients/turn-contexts.js";
import type { GeneratedReply, GenerateReply } from "../domain/generate-reply.js";
import { quotaHandoffReply } from "../domain/monthly-quota.js";
import {
  assistantActor,
  replyGeneratedEvent,
  SYSTEM_ACTOR,
  usageRecordedEvent,
} from "../domain/reply-events.js";
import { assistantProfile, turnFromContext } from "../domain/turn-input.js";
import type { AiMessageQuota } from "../quota/ai-message-quota.js";
import type { UsageRepository } from "../store/usage-repository.js";

export const TURN_READY_DURABLE = "ai-turn_ready";

export interface TurnReadyDeps {
  db: Db;
  bus: Pick<Bus, "consume" | "encode" | "publishEncoded">;
  inbox: Inbox;
  usage: UsageRepository;
  assistants: AssistantConfigs;
  contexts: TurnContexts;
  quota: AiMessageQuota;
  generate: GenerateReply;
  concurrency: number;
  maxDeliver: number;
}

interface Draft {
  assistantId: string;
  /** Who the events name: the assistant, or the system when no model answered. */
  actor: Actor;
  /** The conversation's contact (public events name it). */
  contactId: string;
  reply: GeneratedReply;
  /** False when no model answered because the plan's monthly AI messages are used up. */
  billable: boolean;
}

/** A failed call to another service: the caller's fault is permanent, anything else is retried. */
function dependencyError(what: string, err: unknown): Error {
  const e = ConnectError.from(err);
  if (e.code === Code.InvalidArgument) return new PermanentError(`${what}: ${e.rawMessage}`, { cause: err });
  return new TransientError(`${what} failed (${Code[e.code]})`, { cause: err });
}

/**
 * Answers conversation.v1.TurnReady: the assistant bound to the channel, the turn's context, the
 * plan's monthly AI messages, the reply, then ReplyGenerated and UsageRecorded (a used-up quota
 * answers with a handoff instead: no model, no usage). Idempotent by event id through the inbox:
 * the usage record and the events' bytes commit together, and a redelivery republishes the same
 * bytes (same msgIDs, dropped by JetStream as duplicates) without calling the model again.
 */
export function createTurnReadyHandler(deps: TurnReadyDeps): EventHandler<typeof TurnReadySchema> {
  const { db, bus, inbox } = deps;

  return async (event, ctx) => {
    const meta = ctx.meta;
    const log = ctx.logger.child({ conversation_id: event.conversationId, channel_id: event.channelId });
    if (!isUuid(meta.tenantId)) throw new PermanentError("TurnReady has no valid tenant id");
    if (event.messageIds.length === 0) throw new PermanentError("TurnReady lists no message to answer");
    const callOptions = withCorrelationId(meta.correlationId, { signal: ctx.signal });

    // undefined: nothing to answer (no assistant, or the turn is stale).
    const produce = async (): Promise<Draft | undefined> => {
      const assistant = await deps.assistants
        .forChannel(meta.tenantId, event.channelId, callOptions)
        .catch((err: unknown) => {
          throw dependencyError("GetAssistantForChannel", err);
        });
      if (assistant === undefined || !assistant.enabled) {
        log.info({ assistant_id: assistant?.id }, "no enabled assistant on the channel: turn left to people");
        return undefined;
      }
      let context: Awaited<ReturnType<TurnContexts["get"]>>;
      try {
        context = await deps.contexts.get(
          {
            tenantId: meta.tenantId,
            conversationId: event.conversationId,
            messageIds: event.messageIds,
            turnEpoch: event.turnEpoch,
          },
          callOptions,
        );
      } catch (err) {
        if (ConnectError.from(err).code === Code.NotFound) {
          log.warn({}, "conversation of the turn not found: dropped");
          return undefined;
        }
        throw dependencyError("GetTurnContext", err);
      }
      if (context.stale) {
        log.info({ turn_epoch: event.turnEpoch }, "stale turn dropped");
        return undefined;
      }
      const contactId = context.contact?.id ?? "";
      const exhausted = await deps.quota.exhausted(meta.tenantId, callOptions).catch((err: unknown) => {
        throw dependencyError("monthly AI messages check", err);
      });
      if (exhausted !== undefined) {
        log.info(
          {
            assistant_id: assistant.id,
            limit: exhausted.limit,
            used: exhausted.used,
            month: exhausted.month,
          },
          "monthly AI messages used up: turn handed to a person without a model call",
        );
        return {
          assistantId: assistant.id,
          actor: SYSTEM_ACTOR,
          contactId,
          reply: quotaHandoffReply(exhausted),
          billable: false,
        };
      }
      const reply = await deps.generate(turnFromContext(assistantProfile(assistant), context), ctx.signal);
      return {
        assistantId: assistant.id,
        actor: assistantActor(assistant),
        contactId,
        reply,
        billable: true,
      };
    };

    const done = await db.withTenant(meta.tenantId, (em) =>
      inbox.handled(em, { consumer: TURN_READY_DURABLE, eventId: meta.eventId }),
    );
    // Generate outside the transaction: a model call must not hold a connection and its locks.
    const draft = done ? null : await produce();
    if (draft === undefined) return;

    const { outputs, duplicate } = await db.withTenant(meta.tenantId, (em) =>
      inbox.handle(
        em,
        { tenantId: meta.tenantId, consumer: TURN_READY_DURABLE, eventId: meta.eventId },
        async () => {
          // Only when the inbox row vanished between the look and the claim (retention): generate now.
          const d = draft ?? (await produce());
          if (d === undefined) return [];
          const replied = bus.encode(
            ReplyGeneratedSchema,
            replyGeneratedEvent(event, meta, d.assistantId, d.reply, d.actor),
          );
          if (!d.billable) return [replied];
          await deps.usage.record(em, {
            tenantId: meta.tenantId,
            workspaceId: meta.workspaceId,
            assistantId: d.assistantId,
            conversationId: event.conversationId,
            operation: UsageOperation.REPLY,
            usage: d.reply.usage,
            replyParts: d.reply.parts.length,
            sourceEventId: meta.eventId,
          });
          return [
            replied,
            bus.encode(
              UsageRecordedSchema,
              usageRecordedEvent({
                meta: causedBy(meta, d.actor),
                usage: d.reply.usage,
                assistantId: d.assistantId,
                operation: UsageOperation.REPLY,
                conversation: {
                  conversationId: event.conversationId,
                  contactId: d.contactId,
                  channelId: event.channelId,
                  channelType: event.channelType,
                },
              }),
            ),
          ];
        },
      ),
    );
    // Before the ack: a crash here redelivers the turn, which republishes the stored bytes.
    for (const o of outputs) await bus.publishEncoded(o);
    log.info(
      { turn_epoch: event.turnEpoch, duplicate, outputs: outputs.length },
      duplicate ? "turn already answered: outputs republished" : "turn answered",
    );
  };
}

export function startTurnReadyConsumer(deps: TurnReadyDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: TURN_READY_DURABLE,
    schema: TurnReadySchema,
    concurrency: deps.concurrency,
    maxDeliver: deps.maxDeliver,
    handler: createTurnReadyHandler(deps),
  });
}
