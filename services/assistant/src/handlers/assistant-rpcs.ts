import { isUniqueViolation, newId } from "@atendo/db";
import {
  type Assistant,
  type AssistantService,
  CreateAssistantRequestSchema,
  CreateAssistantResponseSchema,
  DeleteAssistantResponseSchema,
  GetAssistantResponseSchema,
  ListAssistantsResponseSchema,
  UpdateAssistantResponseSchema,
} from "@atendo/proto/assistant/v1";
import {
  alreadyExists,
  assertEtag,
  callerTenant,
  decodePageToken,
  filterKey,
  invalidArgument,
  notFound,
  oncePerRequest,
  pageOf,
  pageSizeOf,
  planLimitReached,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { type AssistantFields, fieldsForCreate, fieldsForUpdate } from "../domain/assistant-fields.js";
import { toAssistant } from "../domain/assistant-view.js";
import { assistantSummary } from "../domain/audit-summary.js";
import { configuredEvent } from "../domain/configured-event.js";
import { auditOf } from "./audit.js";
import { changeBy, settingsCallOptions } from "./caller.js";
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
      const call = {
        tenantId,
        method: `${ctx.service.typeName}/${ctx.method.name}`,
        requestSchema: CreateAssistantRequestSchema,
        request: req,
        responseSchema: CreateAssistantResponseSchema,
      };
      try {
        // A retry with the request's request_id gets this response back, even past the limit.
        return await db.withTenant(tenantId, (em) =>
          oncePerRequest(em, deps.requestIds, call, async () => {
            const existing = await repo.countForLimit(em, tenantId);
            if (max > 0 && existing >= max) {
              throw planLimitReached(
                "assistants",
                max,
                `assistants limit reached: the tenant's plan allows ${max} assistants and it has ${existing}`,
              );
            }
            const ids = { id: newId(), tenantId, workspaceId: req.workspaceId };
            const created = toAssistant(await repo.insert(em, ids, fields), []);
            await announce(em, {
              configured: [configuredEvent({ assistant: created, ...changeBy(ctx) })],
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
            return create(CreateAssistantResponseSchema, { assistant: created });
          }),
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(fields.name);
        throw err;
      }
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
      // Keyset on the id (UUIDv7: oldest first); a token only works in the workspace it came from.
      const filters = filterKey({ workspaceId: req.workspaceId });
      const after = decodePageToken(req.pageToken, filters, 1)?.[0];
      const size = pageSizeOf(req.pageSize);
      return db.withTenant(tenantId, async (em) => {
        const rows = await repo.list(
          em,
          req.workspaceId,
          after === undefined ? undefined : String(after),
          size + 1,
        );
        const page = pageOf(rows, size, filters, (r) => [r.id]);
        const channelIds = await repo.channelIds(
          em,
          page.items.map((r) => r.id),
        );
        return create(ListAssistantsResponseSchema, {
          assistants: page.items.map((r) => toAssistant(r, channelIds.get(r.id) ?? [])),
          nextPageToken: page.nextPageToken,
        });
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
          assertEtag(req.etag, before.etag, "assistant", row.id);
          const after = toAssistant(await repo.update(em, row, changes), channelIds);
          await announce(em, {
            configured: [configuredEvent({ assistant: after, ...changeBy(ctx) })],
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
        const assistant = toAssistant(row, (await repo.channelIds(em, [row.id])).get(row.id) ?? []);
        assertEtag(req.etag, assistant.etag, "assistant", row.id);
        await repo.delete(em, row);
        await announce(em, {
          configured: [
            configuredEvent({
              assistant,
              ...changeBy(ctx),
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
