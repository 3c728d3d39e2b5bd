import {
  type AssistantService,
  BindChannelRequestSchema,
  BindChannelResponseSchema,
  UnbindChannelResponseSchema,
} from "@atendo/proto/assistant/v1";
import { callerTenant, forwardCallOptions, notFound, oncePerRequest } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { toAssistant, toChannelBinding } from "../domain/assistant-view.js";
import { bindingSummary } from "../domain/audit-summary.js";
import { configuredEvent } from "../domain/configured-event.js";
import { auditOf } from "./audit.js";
import { changeBy } from "./caller.js";
import type { AssistantServiceDeps } from "./deps.js";

type BindingRpcs = Pick<ServiceImpl<typeof AssistantService>, "bindChannel" | "unbindChannel">;

/** Which assistant answers a channel: bind and unbind. */
export function createBindingRpcs(deps: AssistantServiceDeps): BindingRpcs {
  const { db, repo, announce } = deps;

  return {
    async bindChannel(req, ctx) {
      const tenantId = callerTenant(ctx);
      // As the caller: binding needs the right to see the channel too.
      await deps.channels.assertInWorkspace(req.workspaceId, req.channelId, forwardCallOptions(ctx));
      const by = changeBy(ctx);
      const affectedChannelIds = [req.channelId];
      const call = {
        tenantId,
        method: `${ctx.service.typeName}/${ctx.method.name}`,
        requestSchema: BindChannelRequestSchema,
        request: req,
        responseSchema: BindChannelResponseSchema,
      };
      // A retry with the request's request_id gets the first response back, and is not audited again.
      return db.withTenant(tenantId, (em) =>
        oncePerRequest(em, deps.requestIds, call, async () => {
          const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
          if (row === undefined) throw notFound("assistant", req.assistantId);
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
                ...by,
                affectedChannelIds,
              }),
              ...(previous === undefined
                ? []
                : [
                    configuredEvent({
                      assistant: toAssistant(previous, channelIds.get(previous.id) ?? []),
                      ...by,
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
          return create(BindChannelResponseSchema, {
            binding: toChannelBinding(binding.binding),
            previousAssistantId: binding.previousAssistantId ?? "",
          });
        }),
      );
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
              ...changeBy(ctx),
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
      if (outcome === "not-bound") throw notFound("channel binding", req.channelId);
      return create(UnbindChannelResponseSchema, {});
    },
  };
}
