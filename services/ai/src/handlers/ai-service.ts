import { type Bus, newEventMeta } from "@atendo/bus";
import type { Db, Outbox } from "@atendo/db";
import {
  type AiService,
  TestAssistantResponseSchema,
  UsageOperation,
  UsageRecordedSchema,
} from "@atendo/proto/ai/v1";
import type { Assistant } from "@atendo/proto/assistant/v1";
import {
  callerTenant,
  correlationIdKey,
  forwardCallOptions,
  notFound,
  unavailable,
  withCorrelationId,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { AssistantConfigs } from "../clients/assistant-configs.js";
import type { GenerateReply } from "../domain/generate-reply.js";
import { quotaExhaustedMessage } from "../domain/monthly-quota.js";
import { usageRecordedEvent } from "../domain/reply-events.js";
import { assistantProfile, turnFromChat } from "../domain/turn-input.js";
import type { AiMessageQuota } from "../quota/ai-message-quota.js";
import type { UsageRepository } from "../store/usage-repository.js";

export interface AiServiceDeps {
  db: Db;
  bus: Pick<Bus, "encode">;
  /** UsageRecorded commits with the usage record; the outbox relay publishes it. */
  outbox: Outbox;
  assistants: AssistantConfigs;
  usage: UsageRepository;
  quota: AiMessageQuota;
  generate: GenerateReply;
}

// The caller's own refusals from the assistant service reach the caller as they are.
const PASSED_ON = new Set([Code.InvalidArgument, Code.PermissionDenied, Code.Unauthenticated]);

export function createAiService(deps: AiServiceDeps): Partial<ServiceImpl<typeof AiService>> {
  async function loadAssistant(
    workspaceId: string,
    assistantId: string,
    ctx: HandlerContext,
  ): Promise<Assistant> {
    try {
      // As the caller: the assistant service applies the caller's own rights to the read.
      return await deps.assistants.get(workspaceId, assistantId, forwardCallOptions(ctx));
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code === Code.NotFound) throw notFound("assistant", assistantId);
      if (PASSED_ON.has(e.code)) throw e;
      throw unavailable("assistant lookup failed; retry later");
    }
  }

  /** The playground answers only while the plan's monthly AI messages last. */
  async function requireQuota(tenantId: string, ctx: HandlerContext): Promise<void> {
    let exhausted: Awaited<ReturnType<AiMessageQuota["exhausted"]>>;
    try {
      // As the ai service (no forwarded credential): API keys may not read their tenant.
      const options = withCorrelationId(ctx.values.get(correlationIdKey), { signal: ctx.signal });
      exhausted = await deps.quota.exhausted(tenantId, options);
    } catch (err) {
      const code = ConnectError.from(err).code;
      if (code === Code.Unavailable || code === Code.DeadlineExceeded) {
        throw unavailable("the plan's limits could not be read; retry later");
      }
      // Refused or a database fault: this service's own problem, answered `internal`.
      throw new Error("monthly AI messages check failed", { cause: err });
    }
    if (exhausted !== undefined) {
      throw new ConnectError(quotaExhaustedMessage(exhausted), Code.ResourceExhausted);
    }
  }

  return {
    /**
     * Playground: the same reply path as a conversation turn, with nothing sent or stored but the
     * usage (recorded as TEST, which the plan does not count).
     */
    async testAssistant(req, ctx) {
      const tenantId = callerTenant(ctx);
      const assistant = await loadAssistant(req.workspaceId, req.assistantId, ctx);
      await requireQuota(tenantId, ctx);
      const turn = turnFromChat(
        assistantProfile(assistant, req.instructionsOverride),
        req.messages,
        req.contactName,
      );
      const reply = await deps.generate(turn, ctx.signal);

      const event = usageRecordedEvent({
        meta: newEventMeta({
          tenantId,
          workspaceId: req.workspaceId,
          correlationId: ctx.values.get(correlationIdKey),
        }),
        usage: reply.usage,
        conversationId: "",
        assistantId: assistant.id,
        operation: UsageOperation.TEST,
      });
      // The record and its announcement commit together; the relay publishes it.
      await deps.db.withTenant(tenantId, async (em) => {
        await deps.usage.record(em, {
          tenantId,
          workspaceId: req.workspaceId,
          assistantId: assistant.id,
          conversationId: undefined,
          operation: UsageOperation.TEST,
          usage: reply.usage,
          replyParts: reply.parts.length,
          sourceEventId: event.meta?.eventId,
        });
        await deps.outbox.add(em, [deps.bus.encode(UsageRecordedSchema, event)]);
      });

      return create(TestAssistantResponseSchema, {
        parts: reply.parts,
        citations: reply.citations,
        actions: reply.actions,
        usage: reply.usage,
        provider: reply.provider,
        model: reply.model,
        finishReason: reply.finishReason,
        offline: reply.offline,
        retrieved: [...turn.passages],
      });
    },
  };
}
