import {
  type AssistantService,
  BindChannelResponseSchema,
  GetAssistantForChannelResponseSchema,
  UnbindChannelResponseSchema,
} from "@atendo/proto/assistant/v1";
import { correlationIdKey, forwardCallOptions, notFound } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { toAssistant, toChannelBinding } from "../domain/assistant-view.js";
import { bindingSummary } from "../domain/audit-summary.js";
import { configuredEvent } from "../domain/configured-event.js";
import { auditOf } from "./audit.js";
import { callerTenant } from "./caller.js";
import type { AssistantServiceDeps } from "./deps.js";

type BindingRpcs = Pick<
  ServiceImpl<typeof AssistantService>,
  "bindChannel" | "unbindChannel" | "getAssistantForChannel"
>;

/** Which assistant answers a channel: bind, unbind, and the ai service's lookup. */
export function createBindingRpcs(deps: AssistantServiceDeps): BindingRpcs {
  const { db, repo, announce } = deps;

  return {
    async bindChannel(req, ctx) {
      const tenantId = callerTenant(ctx);
      // As the caller: binding needs the right to see the channel too.
      await deps.channels.assertInWorkspace(req.workspaceId, req.channelId, forwardCallOptions(ctx));
      const result = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return undefined;
        const bound = await repo.bind(em, {
          tenantId,
          workspaceId: req.workspaceId,
          assistantId: row.id,
          channelId: req.channelId,
        });
        const ids = [row.id, ...(bound.previousAssistantId === undefined ? [] : [bound.previousAssistantId])];
        const channelIds = await repo.channelIds(em, ids);
        const previous =
          bound.previousAssistantId === undefined
            ? undefined
            : await repo.find(em, req.workspaceId, bound.previousAssistantId);
        return {
          bound,
          assistant: toAssistant(row, channelIds.get(row.id) ?? []),
          previous:
            previous === undefined ? undefined : toAssistant(previous, channelIds.get(previous.id) ?? []),
        };
      });
      if (result === undefined) throw notFound("assistant", req.assistantId);
      const { bound } = result;
      const correlationId = ctx.values.get(correlationIdKey);
      const affectedChannelIds = [req.channelId];
      // A repeated bind changes nothing, yet is recorded: it may be the retry of a call whose
      // announcement failed, and the log must not miss the change.
      const before = bound.alreadyBound ? req.assistantId : bound.previousAssistantId;
      await announce({
        configured: [
          configuredEvent({ assistant: result.assistant, correlationId, affectedChannelIds }),
          ...(result.previous === undefined
            ? []
            : [configuredEvent({ assistant: result.previous, correlationId, affectedChannelIds })]),
        ],
        audit: [
          auditOf(
            ctx,
            { tenantId, workspaceId: req.workspaceId },
            {
              action: "assistant.bind_channel",
              targetType: "assistant",
              targetId: req.assistantId,
              ...(before === undefined ? {} : { before: bindingSummary(req.channelId, before) }),
              after: bindingSummary(req.channelId, req.assistantId),
            },
          ),
        ],
      });
      return create(BindChannelResponseSchema, {
        binding: toChannelBinding(bound.binding),
        previousAssistantId: bound.previousAssistantId ?? "",
      });
    },

    async unbindChannel(req, ctx) {
      const tenantId = callerTenant(ctx);
      const result = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return { kind: "no-assistant" as const };
        if (!(await repo.unbind(em, row.id, req.channelId))) return { kind: "not-bound" as const };
        const channelIds = await repo.channelIds(em, [row.id]);
        return { kind: "unbound" as const, assistant: toAssistant(row, channelIds.get(row.id) ?? []) };
      });
      if (result.kind === "no-assistant") throw notFound("assistant", req.assistantId);
      if (result.kind === "not-bound") throw notFound("binding of channel", req.channelId);
      await announce({
        configured: [
          configuredEvent({
            assistant: result.assistant,
            correlationId: ctx.values.get(correlationIdKey),
            affectedChannelIds: [req.channelId],
          }),
        ],
        audit: [
          auditOf(
            ctx,
            { tenantId, workspaceId: req.workspaceId },
            {
              action: "assistant.unbind_channel",
              targetType: "assistant",
              targetId: req.assistantId,
              before: bindingSummary(req.channelId, req.assistantId),
              after: bindingSummary(req.channelId, undefined),
            },
          ),
        ],
      });
      return create(UnbindChannelResponseSchema, {});
    },

    // Internal (the ai service): the tenant is the one the service names, not a caller's.
    async getAssistantForChannel(req) {
      const assistant = await db.withTenant(req.tenantId, async (em) => {
        const row = await repo.findByChannel(em, req.channelId);
        if (row === undefined) return undefined;
        const channelIds = await repo.channelIds(em, [row.id]);
        return toAssistant(row, channelIds.get(row.id) ?? []);
      });
      if (assistant === undefined) throw notFound("assistant for channel", req.channelId);
      // Actions (tools) come with their own issue; until then an assistant has none.
      return create(GetAssistantForChannelResponseSchema, { assistant, actions: [] });
    },
  };
}
