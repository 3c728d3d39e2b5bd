import { newId } from "@atendo/db";
import type { TenantService } from "@atendo/proto/tenant/v1";
import { notFound } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { planFromProto, tenantStatusFromProto } from "../domain/enums.js";
import { tenantCreated, workspaceCreated } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { decodePageToken, filterKey, pageOf, pageSize } from "../domain/page-token.js";
import { effectiveLimits, limitProblem } from "../domain/plan-limits.js";
import { PreconditionError } from "../domain/precondition-error.js";
import { checkSlug } from "../domain/slug.js";
import { limitsFromProto, tenantView, workspaceView } from "../domain/tenant-view.js";
import { nonBlank } from "../domain/text.js";
import { normalizeLanguage, normalizeTimeZone } from "../domain/workspace-settings.js";
import { countWorkspaces, findTenant, lockTenant } from "../store/tenant-repository.js";
import { TenantRow } from "../store/tenant-row.js";
import { findWorkspace, listWorkspaces } from "../store/workspace-repository.js";
import { WorkspaceRow } from "../store/workspace-row.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";

/** TenantService: tenants and workspaces (members and the audit log come with authentication). */
export function createTenantService(deps: HandlerDeps): Partial<ServiceImpl<typeof TenantService>> {
  const { db, lookups, publish } = deps;

  return {
    createTenant: (req, ctx) =>
      rpc(
        async () => {
          if (req.ownerEmail !== "") {
            // Accepting the address and dropping it would lose what the caller asked for.
            throw new ConnectError(
              "owner_email: owner invitations arrive with member management; create the tenant without it",
              Code.Unimplemented,
            );
          }
          const name = nonBlank("name", req.name);
          checkSlug(req.slug);
          const plan = planFromProto(req.plan);
          if (plan === undefined) throw new InvalidInputError("plan", "is not a known plan");
          const id = newId();
          const now = new Date();
          const row = await db.withTenant(id, async (em) =>
            em.create(TenantRow, {
              id,
              tenantId: id,
              name,
              slug: req.slug,
              plan,
              status: "ACTIVE",
              statusReason: "",
              limits: req.limits === undefined ? null : limitsFromProto(req.limits),
              createdAt: now,
              updatedAt: now,
            }),
          );
          const tenant = tenantView(row);
          const correlationId = correlationOf(ctx);
          await publish([tenantCreated(tenant, correlationId)], "the tenant");
          withContext(deps.logger, { tenantId: id, correlationId }).info({ plan }, "tenant created");
          return { tenant };
        },
        { tenants_slug_key: `a tenant with slug "${req.slug}"` },
      ),

    getTenant: (req) =>
      rpc(async () => {
        const row = await db.withTenant(req.tenantId, (em) => findTenant(em, req.tenantId));
        if (row === null) throw notFound("tenant", req.tenantId);
        return { tenant: tenantView(row) };
      }),

    listTenants: (req) =>
      rpc(async () => {
        const status = tenantStatusFromProto(req.status);
        const query = req.query.trim();
        const filters = filterKey({ status: status ?? "", query });
        const size = pageSize(req.page);
        const before = decodePageToken(req.page, filters);
        const ids = await lookups.listTenantIds({ before, status, query, limit: size + 1 });
        // The ids come from the definer function; each row is read under its own tenant.
        const rows: TenantRow[] = [];
        for (const id of ids) {
          const row = await db.withTenant(id, (em) => findTenant(em, id));
          if (row !== null) rows.push(row);
        }
        const page = pageOf(rows, size, filters);
        return { tenants: page.items.map(tenantView), page: { nextPageToken: page.nextPageToken } };
      }),

    createWorkspace: (req, ctx) =>
      rpc(
        async () => {
          const name = nonBlank("name", req.name);
          const timeZone = normalizeTimeZone(req.timeZone);
          const defaultLanguage = normalizeLanguage(req.defaultLanguage);
          const row = await db.withTenant(req.tenantId, async (em) => {
            const tenant = await lockTenant(em, req.tenantId);
            if (tenant === null) throw notFound("tenant", req.tenantId);
            if (tenant.status === "SUSPENDED") throw new PreconditionError("the tenant is suspended");
            const problem = limitProblem(
              "workspaces",
              tenant.plan,
              effectiveLimits(tenant.plan, tenant.limits),
              await countWorkspaces(em),
            );
            if (problem !== undefined) throw new ConnectError(problem, Code.ResourceExhausted);
            const now = new Date();
            return em.create(WorkspaceRow, {
              id: newId(),
              tenantId: req.tenantId,
              name,
              timeZone,
              defaultLanguage,
              createdAt: now,
              updatedAt: now,
            });
          });
          lookups.rememberWorkspace(row.id, row.tenantId);
          const workspace = workspaceView(row);
          const correlationId = correlationOf(ctx);
          await publish([workspaceCreated(workspace, correlationId)], "the workspace");
          withContext(deps.logger, { tenantId: row.tenantId, correlationId }).info(
            { workspaceId: row.id },
            "workspace created",
          );
          return { workspace };
        },
        { workspaces_tenant_name_key: `a workspace named "${req.name.trim()}" in this tenant` },
      ),

    getWorkspace: (req) =>
      rpc(async () => {
        const tenantId = await lookups.tenantOfWorkspace(req.workspaceId);
        const row =
          tenantId === undefined
            ? null
            : await db.withTenant(tenantId, (em) => findWorkspace(em, req.workspaceId));
        if (row === null) throw notFound("workspace", req.workspaceId);
        return { workspace: workspaceView(row) };
      }),

    listWorkspaces: (req) =>
      rpc(async () => {
        const filters = filterKey({ tenant: req.tenantId });
        const size = pageSize(req.page);
        const after = decodePageToken(req.page, filters);
        const rows = await db.withTenant(req.tenantId, async (em) => {
          if ((await findTenant(em, req.tenantId)) === null) throw notFound("tenant", req.tenantId);
          return listWorkspaces(em, req.tenantId, after, size + 1);
        });
        const page = pageOf(rows, size, filters);
        return { workspaces: page.items.map(workspaceView), page: { nextPageToken: page.nextPageToken } };
      }),
  };
}
