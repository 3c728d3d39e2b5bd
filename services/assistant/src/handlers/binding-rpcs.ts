import {
  type AssistantService,
  BindChannelResponseSchema,
  GetAssistantForChannelResponseSchema,
  UnbindChannelResponseSchema,
} from "@atendo/proto/assistant/v1";
import { callerTenant, correlationIdKey, forwardCallOptions, notFound } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { toAssistant, toChannelBinding } from "../domain/assistant-view.js";
import { bindingSummary } from "../domain/audit-summary.js";
import { configuredEvent } from "../domain/configured-event.js";
import { auditOf } from "./audit.js";
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
      const correlationId = ctx.values.get(correlationIdKey);
      const affectedChannelIds = [req.channelId];
      const bound = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return undefined;
        const binding = await repo.bind(em, {
          tenantId,
          workspaceId: req.workspaceId,
          assistantId: row.id,
          channelId: req.channelId,
        });
        const ids = [
          row.id,
          ...(binding.previousAssistantId === undefined ? [] : [binding.previousAssistantId]),
        ];
        const channelIds = await repo.channelIds(em, ids);
        const previous =
          binding.previousAssistantId === undefined
            ? undefined
            : await repo.find(em, req.workspaceId, binding.previousAssistantId);
        // A repeated bind changes nothing, yet is recorded (with equal before and after): the log
        // shows who asked for it.
        const before = binding.alreadyBound ? req.assistantId : binding.previousAssistantId;
        await announce(em, {
          configured: [
            configuredEvent({
              assistant: toAssistant(row, channelIds.get(row.id) ?? []),
              correlationId,
              affectedChannelIds,
            }),
            ...(previous === undefined
              ? []
              : [
                  configuredEvent({
                    assistant: toAssistant(previous, channelIds.get(previous.id) ?? []),
                    correlationId,
                    affectedChannelIds,
                  }),
                ]),
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
        return binding;
      });
      if (bound === undefined) throw notFound("assistant", req.assistantId);
      return create(BindChannelResponseSchema, {
        binding: toChannelBinding(bound.binding),
        previousAssistantId: bound.previousAssistantId ?? "",
      });
    },

    async unbindChannel(req, ctx) {
      const tenantId = callerTenant(ctx);
      const outcome = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return "no-assistant";
        if (!(await repo.unbind(em, row.id, req.channelId))) return "not-bound";
        const channelIds = await repo.channelIds(em, [row.id]);
        await announce(em, {
          configured: [
            configuredEvent({
              assistant: toAssistant(row, channelIds.get(row.id) ?? []),
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
        return "unbound";
      });
      if (outcome === "no-assistant") throw notFound("assistant", req.assistantId);
      if (outcome === "not-bound") throw notFound("binding of channel", req.channelId);
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
