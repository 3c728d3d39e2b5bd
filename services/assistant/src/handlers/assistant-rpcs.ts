import { isUniqueViolation, newId } from "@atendo/db";
import {
  type Assistant,
  type AssistantService,
  CreateAssistantResponseSchema,
  DeleteAssistantResponseSchema,
  GetAssistantResponseSchema,
  ListAssistantsResponseSchema,
  UpdateAssistantResponseSchema,
} from "@atendo/proto/assistant/v1";
import { PageResponseSchema } from "@atendo/proto/common/v1";
import {
  alreadyExists,
  callerTenant,
  correlationIdKey,
  failedPrecondition,
  invalidArgument,
  notFound,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { type AssistantFields, fieldsForCreate, fieldsForUpdate } from "../domain/assistant-fields.js";
import { toAssistant } from "../domain/assistant-view.js";
import { assistantSummary } from "../domain/audit-summary.js";
import { configuredEvent } from "../domain/configured-event.js";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import { auditOf } from "./audit.js";
import { settingsCallOptions } from "./caller.js";
import type { AssistantServiceDeps } from "./deps.js";

type AssistantRpcs = Pick<
  ServiceImpl<typeof AssistantService>,
  "createAssistant" | "getAssistant" | "listAssistants" | "updateAssistant" | "deleteAssistant"
>;

const duplicateName = (name: string) => alreadyExists(`an assistant named "${name}" in this workspace`);

function assertNameNotBlank(fields: Partial<AssistantFields>): void {
  if (fields.name !== undefined && fields.name === "") throw invalidArgument("name", "must not be blank");
}

/** Create, read, list, update and delete assistants of the caller's workspace. */
export function createAssistantRpcs(deps: AssistantServiceDeps): AssistantRpcs {
  const { db, repo, announce } = deps;

  return {
    async createAssistant(req, ctx) {
      const tenantId = callerTenant(ctx);
      const options = settingsCallOptions(ctx);
      const fields = fieldsForCreate(req, await deps.workspaces.defaultLanguage(req.workspaceId, options));
      assertNameNotBlank(fields);
      const max = await deps.limits.maxAssistants(tenantId, options);
      const ids = { id: newId(), tenantId, workspaceId: req.workspaceId };
      let assistant: Assistant;
      try {
        assistant = await db.withTenant(tenantId, async (em) => {
          const existing = await repo.countForLimit(em, tenantId);
          if (max > 0 && existing >= max) {
            throw failedPrecondition(
              `assistants limit reached: the tenant's plan allows ${max} assistants and it has ${existing}`,
            );
          }
          const created = toAssistant(await repo.insert(em, ids, fields), []);
          await announce(em, {
            configured: [
              configuredEvent({ assistant: created, correlationId: ctx.values.get(correlationIdKey) }),
            ],
            audit: [
              auditOf(
                ctx,
                { tenantId, workspaceId: req.workspaceId },
                {
                  action: "assistant.create",
                  targetType: "assistant",
                  targetId: created.id,
                  after: assistantSummary(created),
                },
              ),
            ],
          });
          return created;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(fields.name);
        throw err;
      }
      return create(CreateAssistantResponseSchema, { assistant });
    },

    async getAssistant(req, ctx) {
      const assistant = await db.withTenant(callerTenant(ctx), async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId);
        if (row === undefined) return undefined;
        const channelIds = await repo.channelIds(em, [row.id]);
        return toAssistant(row, channelIds.get(row.id) ?? []);
      });
      if (assistant === undefined) throw notFound("assistant", req.assistantId);
      return create(GetAssistantResponseSchema, { assistant });
    },

    async listAssistants(req, ctx) {
      const tenantId = callerTenant(ctx);
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
      const tenantId = callerTenant(ctx);
      const changes = fieldsForUpdate(req);
      assertNameNotBlank(changes);
      let assistant: Assistant | undefined;
      try {
        assistant = await db.withTenant(tenantId, async (em) => {
          const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
          if (row === undefined) return undefined;
          const channelIds = (await repo.channelIds(em, [row.id])).get(row.id) ?? [];
          // Viewed before the update: the repository changes the row in place.
          const before = toAssistant(row, channelIds);
          const after = toAssistant(await repo.update(em, row, changes), channelIds);
          await announce(em, {
            configured: [
              configuredEvent({ assistant: after, correlationId: ctx.values.get(correlationIdKey) }),
            ],
            audit: [
              auditOf(
                ctx,
                { tenantId, workspaceId: req.workspaceId },
                {
                  action: "assistant.update",
                  targetType: "assistant",
                  targetId: after.id,
                  before: assistantSummary(before),
                  after: assistantSummary(after),
                },
              ),
            ],
          });
          return after;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(changes.name ?? "");
        throw err;
      }
      if (assistant === undefined) throw notFound("assistant", req.assistantId);
      return create(UpdateAssistantResponseSchema, { assistant });
    },

    async deleteAssistant(req, ctx) {
      const tenantId = callerTenant(ctx);
      const deleted = await db.withTenant(tenantId, async (em) => {
        const row = await repo.find(em, req.workspaceId, req.assistantId, { lock: true });
        if (row === undefined) return false;
        const channelIds = await repo.channelIds(em, [row.id]);
        await repo.delete(em, row);
        const assistant = toAssistant(row, channelIds.get(row.id) ?? []);
        await announce(em, {
          configured: [
            configuredEvent({
              assistant,
              correlationId: ctx.values.get(correlationIdKey),
              deleted: true,
              affectedChannelIds: assistant.channelIds,
            }),
          ],
          audit: [
            auditOf(
              ctx,
              { tenantId, workspaceId: req.workspaceId },
              {
                action: "assistant.delete",
                targetType: "assistant",
                targetId: assistant.id,
                before: assistantSummary(assistant),
              },
            ),
          ],
        });
        return true;
      });
      if (!deleted) throw notFound("assistant", req.assistantId);
      return create(DeleteAssistantResponseSchema, {});
    },
  };
}
