import { type Bus, newEventMeta } from "@atendo/bus";
import type { Db, EntityManager, Outbox, RequestIds } from "@atendo/db";
import {
  type AiService,
  TestAssistantRequestSchema,
  type TestAssistantResponse,
  TestAssistantResponseSchema,
  UsageOperation,
  UsageRecordedSchema,
} from "@atendo/proto/ai/v1";
import type { Assistant } from "@atendo/proto/assistant/v1";
import {
  actorOf,
  callerTenant,
  correlationIdKey,
  forwardCallOptions,
  notFound,
  oncePerRequest,
  planLimitReached,
  principalOf,
  unavailable,
  withCorrelationId,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { AssistantConfigs } from "../clients/assistant-configs.js";
import type { GeneratedReply, GenerateReply } from "../domain/generate-reply.js";
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
  /** Retried calls that spend tokens (AIP-155) get their first answer back. */
  requestIds: RequestIds;
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
      throw planLimitReached("monthly_ai_messages", exhausted.limit, quotaExhaustedMessage(exhausted));
    }
  }

  return {
    /**
     * Playground: the same reply path as a conversation turn, with nothing sent or stored but the
     * usage (recorded as TEST, which the plan does not count). With a request_id the answer is kept
     * with the usage: a retry gets it back without another model call. The claim (and its
     * connection) is then held during the model call, so a concurrent retry waits for the first
     * answer instead of paying for a second; without one, nothing is held while the model answers.
     */
    async testAssistant(req, ctx) {
      const tenantId = callerTenant(ctx);

      const answer = async (): Promise<{ response: TestAssistantResponse; reply: GeneratedReply }> => {
        const assistant = await loadAssistant(req.workspaceId, req.assistantId, ctx);
        await requireQuota(tenantId, ctx);
        const turn = turnFromChat(
          assistantProfile(assistant, req.instructionsOverride),
          req.messages,
          req.contactName,
        );
        const reply = await deps.generate(turn, ctx.signal);
        // The reply's fields (parts, citations, actions, usage, provider, model, finish reason,
        // offline) are the response's.
        const response = create(TestAssistantResponseSchema, { ...reply, retrieved: [...turn.passages] });
        return { response, reply };
      };

      // The record and its announcement commit together; the relay publishes it.
      const record = async (em: EntityManager, reply: GeneratedReply): Promise<void> => {
        const event = usageRecordedEvent({
          meta: newEventMeta({
            tenantId,
            workspaceId: req.workspaceId,
            correlationId: ctx.values.get(correlationIdKey),
            actor: actorOf(principalOf(ctx)),
          }),
          usage: reply.usage,
          assistantId: req.assistantId,
          operation: UsageOperation.TEST,
        });
        await deps.usage.record(em, {
          tenantId,
          workspaceId: req.workspaceId,
          assistantId: req.assistantId,
          conversationId: undefined,
          operation: UsageOperation.TEST,
          usage: reply.usage,
          replyParts: reply.parts.length,
          sourceEventId: event.meta?.eventId,
        });
        await deps.outbox.add(em, [deps.bus.encode(UsageRecordedSchema, event)]);
      };

      if (req.requestId === "") {
        const { response, reply } = await answer();
        await deps.db.withTenant(tenantId, (em) => record(em, reply));
        return response;
      }
      const call = {
        tenantId,
        method: `${ctx.service.typeName}/${ctx.method.name}`,
        requestSchema: TestAssistantRequestSchema,
        request: req,
        responseSchema: TestAssistantResponseSchema,
      };
      return deps.db.withTenant(tenantId, (em) =>
        oncePerRequest(em, deps.requestIds, call, async () => {
          const { response, reply } = await answer();
          await record(em, reply);
          return response;
        }),
      );
    },
  };
}
