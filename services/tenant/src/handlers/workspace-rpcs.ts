import { newId } from "@atendo/db";
import { TenantService } from "@atendo/proto/tenant/v1";
import { notFound, principalOf } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { workspaceSummary } from "../domain/audit-summary.js";
import { workspaceCreated } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { workspaceView } from "../domain/tenant-view.js";
import { nonBlank } from "../domain/text.js";
import { normalizeLanguage, normalizeTimeZone } from "../domain/workspace-settings.js";
import { recordAudit } from "../store/audit-log.js";
import { findTenant } from "../store/tenant-repository.js";
import { findWorkspace, listWorkspaces } from "../store/workspace-repository.js";
import { WorkspaceRow } from "../store/workspace-row.js";
import { auditContextOf, originOf, tenantOfCall, tenantOfWorkspaceCall } from "./caller.js";
import type { HandlerDeps } from "./deps.js";
import { oncePer } from "./once-per-request.js";
import { listPage, uuidAfter } from "./page-cursor.js";
import { roomFor } from "./room-for.js";
import { rpc } from "./rpc-errors.js";

type WorkspaceRpcs = "createWorkspace" | "getWorkspace" | "listWorkspaces" | "updateWorkspace";

const UPDATABLE = new Set(["name", "time_zone", "default_language"]);

/** Workspaces of a tenant. */
export function createWorkspaceRpcs(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof TenantService>, WorkspaceRpcs> {
  const { db, lookups, announce } = deps;
  const nameTaken = (name: string) => ({
    workspaces_tenant_name_key: `a workspace named "${name.trim()}" in this tenant`,
  });

  return {
    createWorkspace: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const name = nonBlank("name", req.name);
        const timeZone = normalizeTimeZone(req.timeZone);
        const defaultLanguage = normalizeLanguage(req.defaultLanguage);
        const origin = originOf(ctx, tenantId);
        const answer = await db.withTenant(tenantId, (em) =>
          oncePer(
            deps.requestIds,
            em,
            TenantService.method.createWorkspace,
            { tenantId, request: req },
            async () => {
              if (!(await roomFor(em, tenantId, "workspaces"))) throw notFound("tenant", req.tenantId);
              const now = deps.now();
              const created = em.create(WorkspaceRow, {
                id: newId(),
                tenantId,
                name,
                timeZone,
                defaultLanguage,
                createdAt: now,
                updatedAt: now,
              });
              recordAudit(em, await auditContextOf(em, ctx, tenantId), {
                action: "workspace.create",
                targetType: "workspace",
                targetId: created.id,
                workspaceId: created.id,
                after: workspaceSummary(created),
              });
              await announce(em, [workspaceCreated(workspaceView(created), origin)]);
              return { workspace: workspaceView(created) };
            },
          ),
        );
        const workspaceId = answer.workspace?.id ?? "";
        lookups.rememberWorkspace(workspaceId, tenantId);
        withContext(deps.logger, { tenantId, correlationId: origin.correlationId }).info(
          { workspaceId },
          "workspace created",
        );
        return answer;
      }, nameTaken(req.name)),

    getWorkspace: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const row = await db.withTenant(tenantId, (em) => findWorkspace(em, req.workspaceId));
        if (row === null) throw notFound("workspace", req.workspaceId);
        return { workspace: workspaceView(row) };
      }),

    listWorkspaces: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        // A member limited to some workspaces sees those only.
        const caller = principalOf(ctx);
        const only = caller.kind === "user" && caller.tenantId === tenantId ? caller.workspaceIds : [];
        const page = listPage(req, { list: "workspaces", tenant: tenantId, only: only.join(",") });
        const after = uuidAfter(req.pageToken, page.filters);
        const rows = await db.withTenant(tenantId, async (em) => {
          if ((await findTenant(em, tenantId)) === null) throw notFound("tenant", req.tenantId);
          return listWorkspaces(em, tenantId, after, page.size + 1, only);
        });
        const { items, nextPageToken } = page.of(rows, (w) => [w.id]);
        return { workspaces: items.map(workspaceView), nextPageToken };
      }),

    updateWorkspace: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const paths = [...new Set(req.updateMask?.paths ?? [])];
        const unknown = paths.find((p) => !UPDATABLE.has(p));
        if (unknown !== undefined)
          throw new InvalidInputError("update_mask", `"${unknown}" cannot be updated`);
        const row = await db.withTenant(tenantId, async (em) => {
          const found = await findWorkspace(em, req.workspaceId);
          if (found === null) throw notFound("workspace", req.workspaceId);
          const before = workspaceSummary(found);
          if (paths.includes("name")) found.name = nonBlank("name", req.name);
          if (paths.includes("time_zone")) found.timeZone = normalizeTimeZone(req.timeZone);
          if (paths.includes("default_language"))
            found.defaultLanguage = normalizeLanguage(req.defaultLanguage);
          const after = workspaceSummary(found);
          if (JSON.stringify(before) === JSON.stringify(after)) return found;
          found.updatedAt = deps.now();
          recordAudit(em, await auditContextOf(em, ctx, tenantId), {
            action: "workspace.update",
            targetType: "workspace",
            targetId: found.id,
            workspaceId: found.id,
            before,
            after,
          });
          return found;
        });
        return { workspace: workspaceView(row) };
      }, nameTaken(req.name)),
  };
}
