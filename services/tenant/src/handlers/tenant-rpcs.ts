import { newId } from "@atendo/db";
import type { TenantService } from "@atendo/proto/tenant/v1";
import { notFound, permissionDenied } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { tenantSummary } from "../domain/audit-summary.js";
import { normalizeEmail } from "../domain/email.js";
import { planFromProto, tenantStatusFromProto } from "../domain/enums.js";
import { tenantCreated, tenantReactivated, tenantSuspended, tenantUpdated } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { invitationView } from "../domain/member-view.js";
import { decodePageToken, filterKey, pageOf, pageSize } from "../domain/page-token.js";
import { checkSlug } from "../domain/slug.js";
import { limitsFromProto, tenantView } from "../domain/tenant-view.js";
import { nonBlank } from "../domain/text.js";
import { recordAudit } from "../store/audit-log.js";
import { findTenant, lockTenant } from "../store/tenant-repository.js";
import { TenantRow } from "../store/tenant-row.js";
import { auditContextOf, tenantOfCall, userOf } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { deliverInvitation, inviteInTransaction } from "./invite.js";
import { rpc } from "./rpc-errors.js";

type TenantRpcs =
  | "createTenant"
  | "getTenant"
  | "updateTenant"
  | "listTenants"
  | "suspendTenant"
  | "reactivateTenant";

/** The tenant itself: creation and listing (platform admins), settings, suspension. */
export function createTenantRpcs(deps: HandlerDeps): Pick<ServiceImpl<typeof TenantService>, TenantRpcs> {
  const { db, lookups, announce } = deps;

  /** Moves a tenant's status; the event goes out only when it really moved. */
  async function setStatus(
    ctx: HandlerContext,
    tenantId: string,
    next: { status: "ACTIVE" | "SUSPENDED"; reason: string },
  ): Promise<TenantRow> {
    const correlationId = correlationOf(ctx);
    const outcome = await db.withTenant(tenantId, async (em) => {
      const row = await lockTenant(em, tenantId);
      if (row === null) throw notFound("tenant", tenantId);
      const previous = row.status;
      if (row.status === next.status && row.statusReason === next.reason) return { row, previous };
      const before = tenantSummary(row);
      row.status = next.status;
      row.statusReason = next.reason;
      row.updatedAt = deps.now();
      recordAudit(em, await auditContextOf(em, ctx, tenantId), {
        action: next.status === "SUSPENDED" ? "tenant.suspend" : "tenant.reactivate",
        targetType: "tenant",
        targetId: tenantId,
        before,
        after: tenantSummary(row),
      });
      if (row.status !== previous) {
        await announce(em, [
          row.status === "SUSPENDED"
            ? tenantSuspended(tenantId, row.statusReason, correlationId)
            : tenantReactivated(tenantId, correlationId),
        ]);
      }
      return { row, previous };
    });
    const { row, previous } = outcome;
    if (row.status !== previous) {
      // This replica refuses (or accepts again) the tenant's credentials now; the others on the event.
      deps.suspendedTenants.committed(tenantId, row.status === "SUSPENDED");
      withContext(deps.logger, { tenantId, correlationId }).warn(
        { status: row.status },
        row.status === "SUSPENDED" ? "tenant suspended" : "tenant reactivated",
      );
    }
    return row;
  }

  return {
    createTenant: (req, ctx) =>
      rpc(
        async () => {
          const name = nonBlank("name", req.name);
          checkSlug(req.slug);
          const plan = planFromProto(req.plan);
          if (plan === undefined) throw new InvalidInputError("plan", "is not a known plan");
          const id = newId();
          const now = deps.now();
          const correlationId = correlationOf(ctx);
          const created = await db.withTenant(id, async (em) => {
            const row = em.create(TenantRow, {
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
            });
            await em.flush();
            const audit = await auditContextOf(em, ctx, id);
            recordAudit(em, audit, {
              action: "tenant.create",
              targetType: "tenant",
              targetId: id,
              after: tenantSummary(row),
            });
            // The first owner is invited, not created: they choose their own password.
            const invitation =
              req.ownerEmail === ""
                ? undefined
                : await inviteInTransaction(em, deps, audit, {
                    email: normalizeEmail(req.ownerEmail),
                    role: "OWNER",
                    workspaceIds: [],
                    invitedBy: null,
                  });
            await announce(em, [tenantCreated(tenantView(row), correlationId)]);
            return { row, invitation };
          });
          const tenant = tenantView(created.row);
          const emailSent =
            created.invitation !== undefined &&
            (await deliverInvitation(deps, created.invitation, correlationId));
          withContext(deps.logger, { tenantId: id, correlationId }).info({ plan }, "tenant created");
          // The owner's link goes to their mailbox only (accepting it proves the address).
          return {
            tenant,
            ...(created.invitation === undefined
              ? {}
              : {
                  ownerInvitation: invitationView(created.invitation.row),
                  ownerInvitationEmailSent: emailSent,
                }),
          };
        },
        { tenants_slug_key: `a tenant with slug "${req.slug}"` },
      ),

    getTenant: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const row = await db.withTenant(tenantId, (em) => findTenant(em, tenantId));
        if (row === null) throw notFound("tenant", req.tenantId);
        return { tenant: tenantView(row) };
      }),

    updateTenant: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const paths = [...new Set(req.updateMask?.paths ?? [])];
        if (paths.some((p) => p !== "name") && !userOf(ctx).platformAdmin) {
          throw permissionDenied("only platform admins change plans and limits");
        }
        const correlationId = correlationOf(ctx);
        const outcome = await db.withTenant(tenantId, async (em) => {
          const row = await lockTenant(em, tenantId);
          if (row === null) throw notFound("tenant", req.tenantId);
          const before = tenantSummary(row);
          const changed: string[] = [];
          for (const path of paths) {
            if (path === "name") {
              const name = nonBlank("name", req.name);
              if (name !== row.name) changed.push(path);
              row.name = name;
            } else if (path === "plan") {
              const plan = planFromProto(req.plan);
              if (plan === undefined) throw new InvalidInputError("plan", "is not a known plan");
              if (plan !== row.plan) changed.push(path);
              row.plan = plan;
            } else if (path === "limits") {
              // Unset limits go back to the plan's defaults.
              const limits = req.limits === undefined ? null : limitsFromProto(req.limits);
              if (JSON.stringify(limits) !== JSON.stringify(row.limits ?? null)) changed.push(path);
              row.limits = limits;
            }
          }
          if (changed.length === 0) return { row, changed };
          row.updatedAt = deps.now();
          recordAudit(em, await auditContextOf(em, ctx, tenantId), {
            action: "tenant.update",
            targetType: "tenant",
            targetId: tenantId,
            before,
            after: tenantSummary(row),
          });
          await announce(em, [tenantUpdated(tenantView(row), changed, correlationId)]);
          return { row, changed };
        });
        const tenant = tenantView(outcome.row);
        if (outcome.changed.length > 0) {
          withContext(deps.logger, { tenantId, correlationId }).info(
            { changed: outcome.changed },
            "tenant updated",
          );
        }
        return { tenant };
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

    suspendTenant: (req, ctx) =>
      rpc(async () => {
        const row = await setStatus(ctx, tenantOfCall(ctx, req.tenantId), {
          status: "SUSPENDED",
          reason: nonBlank("reason", req.reason),
        });
        return { tenant: tenantView(row) };
      }),

    reactivateTenant: (req, ctx) =>
      rpc(async () => {
        const row = await setStatus(ctx, tenantOfCall(ctx, req.tenantId), { status: "ACTIVE", reason: "" });
        return { tenant: tenantView(row) };
      }),
  };
}
