import { type Db, isUniqueViolation, newId } from "@atendo/db";
import {
  type Assistant,
  type AssistantService,
  BindChannelResponseSchema,
  CreateAssistantResponseSchema,
  DeleteAssistantResponseSchema,
  GetAssistantForChannelResponseSchema,
  GetAssistantResponseSchema,
  ListAssistantsResponseSchema,
  UnbindChannelResponseSchema,
  UpdateAssistantResponseSchema,
} from "@atendo/proto/assistant/v1";
import { PageResponseSchema } from "@atendo/proto/common/v1";
import {
  alreadyExists,
  correlationIdKey,
  failedPrecondition,
  forwardCallOptions,
  invalidArgument,
  notFound,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import type { PlanLimits } from "../clients/plan-limits.js";
import type { WorkspaceDirectory } from "../clients/workspace-directory.js";
import { type AssistantFields, fieldsForCreate, fieldsForUpdate } from "../domain/assistant-fields.js";
import { toAssistant, toChannelBinding } from "../domain/assistant-view.js";
import { configuredEvent } from "../domain/configured-event.js";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import type { AssistantRepository } from "../store/assistant-repository.js";
import type { Announce } from "./announce.js";

export interface AssistantServiceDeps {
  db: Db;
  limits: PlanLimits;
  repo: AssistantRepository;
  workspaces: WorkspaceDirectory;
  channels: ChannelDirectory;
  announce: Announce;
}

export function createAssistantService(
  deps: AssistantServiceDeps,
): Partial<ServiceImpl<typeof AssistantService>> {
  const { db, repo, workspaces, channels, announce } = deps;

  const tenantOf = async (workspaceId: string, ctx: HandlerContext) =>
    (await workspaces.lookup(workspaceId, forwardCallOptions(ctx))).tenantId;

  const duplicateName = (name: string) => alreadyExists(`an assistant named "${name}" in this workspace`);

  function assertNameNotBlank(fields: Partial<AssistantFields>): void {
    if (fields.name !== undefined && fields.name === "") throw invalidArgument("name", "must not be blank");
  }

  return {
    async createAssistant(req, ctx) {
      const options = forwardCallOptions(ctx);
      const workspace = await workspaces.lookup(req.workspaceId, options);
      const fields = fieldsForCreate(req, workspace.defaultLanguage);
      assertNameNotBlank(fields);
      const max = await deps.limits.maxAssistants(workspace.tenantId, options);
      const ids = { id: newId(), tenantId: workspace.tenantId, workspaceId: req.workspaceId };
      let assistant: Assistant;
      try {
        assistant = await db.withTenant(workspace.tenantId, async (em) => {
          const existing = await repo.countForLimit(em, workspace.tenantId);
          if (max > 0 && existing >= max) {
            throw failedPrecondition(
              `assistants limit reached: the tenant's plan allows ${max} assistants and it has ${existing}`,
            );
          }
          return toAssistant(await repo.insert(em, ids, fields), []);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(fields.name);
        throw err;
      }
      await announce([configuredEvent({ assistant, correlationId: ctx.values.get(correlationIdKey) })]);
      return create(CreateAssistantResponseSchema, { assistant });
    },

    async getAssistant(req, ctx) {
      const tenantId = await tenantOf(req.workspaceId, ctx);
      const assistant = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId);
        if (row === undefined) return undefined;
        const channelIds = await repo.channelIds(em, [row.id]);
        return toAssistant(row, channelIds.get(row.id) ?? []);
      });
      if (assistant === undefined) throw notFound("assistant", req.assistantId);
      return create(GetAssistantResponseSchema, { assistant });
    },

    async listAssistants(req, ctx) {
      const tenantId = await tenantOf(req.workspaceId, ctx);
      const token = req.page?.pageToken ?? "";
      const cursor = token === "" ? undefined : decodePageToken(token, req.workspaceId);
      if (token !== "" && cursor === undefined) {
        throw invalidArgument("page.page_token", "is not a token of this list");
      }
      const size = pageSize(req.page?.pageSize);
      const { assistants, more } = await db.withTenant(tenantId, async (em) => {
        const rows = await repo.list(em, req.workspaceId, cursor?.afterId, size + 1);
        const page = rows.slice(0, size);
        const channelIds = await repo.channelIds(
          em,
          page.map((r) => r.id),
        );
        return {
          assistants: page.map((r) => toAssistant(r, channelIds.get(r.id) ?? [])),
          more: rows.length > size,
        };
      });
      const last = assistants.at(-1);
      const nextPageToken =
        more && last !== undefined ? encodePageToken({ workspaceId: req.workspaceId, afterId: last.id }) : "";
      return create(ListAssistantsResponseSchema, {
        assistants,
        page: create(PageResponseSchema, { nextPageToken }),
      });
    },

    async updateAssistant(req, ctx) {
      const tenantId = await tenantOf(req.workspaceId, ctx);
      const changes = fieldsForUpdate(req);
      assertNameNotBlank(changes);
      let assistant: Assistant | undefined;
      try {
        assistant = await db.withTenant(tenantId, async (em) => {
          const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
          if (row === undefined) return undefined;
          const updated = await repo.update(em, row, changes);
          const channelIds = await repo.channelIds(em, [row.id]);
          return toAssistant(updated, channelIds.get(row.id) ?? []);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(changes.name ?? "");
        throw err;
      }
      if (assistant === undefined) throw notFound("assistant", req.assistantId);
      await announce([configuredEvent({ assistant, correlationId: ctx.values.get(correlationIdKey) })]);
      return create(UpdateAssistantResponseSchema, { assistant });
    },

    async deleteAssistant(req, ctx) {
      const tenantId = await tenantOf(req.workspaceId, ctx);
      const assistant = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return undefined;
        const channelIds = await repo.channelIds(em, [row.id]);
        await repo.delete(em, row);
        return toAssistant(row, channelIds.get(row.id) ?? []);
      });
      if (assistant === undefined) throw notFound("assistant", req.assistantId);
      await announce([
        configuredEvent({
          assistant,
          correlationId: ctx.values.get(correlationIdKey),
          deleted: true,
          affectedChannelIds: assistant.channelIds,
        }),
      ]);
      return create(DeleteAssistantResponseSchema, {});
    },

    async bindChannel(req, ctx) {
      const options = forwardCallOptions(ctx);
      const tenantId = (await workspaces.lookup(req.workspaceId, options)).tenantId;
      await channels.assertInWorkspace(req.workspaceId, req.channelId, options);
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
      const correlationId = ctx.values.get(correlationIdKey);
      const affectedChannelIds = [req.channelId];
      await announce([
        configuredEvent({ assistant: result.assistant, correlationId, affectedChannelIds }),
        ...(result.previous === undefined
          ? []
          : [configuredEvent({ assistant: result.previous, correlationId, affectedChannelIds })]),
      ]);
      return create(BindChannelResponseSchema, {
        binding: toChannelBinding(result.bound.binding),
        previousAssistantId: result.bound.previousAssistantId ?? "",
      });
    },

    async unbindChannel(req, ctx) {
      const tenantId = await tenantOf(req.workspaceId, ctx);
      const result = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return { kind: "no-assistant" as const };
        if (!(await repo.unbind(em, row.id, req.channelId))) return { kind: "not-bound" as const };
        const channelIds = await repo.channelIds(em, [row.id]);
        return { kind: "unbound" as const, assistant: toAssistant(row, channelIds.get(row.id) ?? []) };
      });
      if (result.kind === "no-assistant") throw notFound("assistant", req.assistantId);
      if (result.kind === "not-bound") throw notFound("binding of channel", req.channelId);
      await announce([
        configuredEvent({
          assistant: result.assistant,
          correlationId: ctx.values.get(correlationIdKey),
          affectedChannelIds: [req.channelId],
        }),
      ]);
      return create(UnbindChannelResponseSchema, {});
    },

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
