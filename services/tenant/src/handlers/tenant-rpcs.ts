import { newId } from "@atendo/db";
import { type CreateTenantRequest, TenantService } from "@atendo/proto/tenant/v1";
import { notFound, permissionDenied } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { tenantSummary } from "../domain/audit-summary.js";
import { normalizeEmail } from "../domain/email.js";
import { planFromProto, tenantStatusFromProto } from "../domain/enums.js";
import { tenantCreated, tenantReactivated, tenantSuspended, tenantUpdated } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { invitationView } from "../domain/member-view.js";
import { checkSlug } from "../domain/slug.js";
import { limitsFromProto, tenantView } from "../domain/tenant-view.js";
import { nonBlank } from "../domain/text.js";
import { recordAudit } from "../store/audit-log.js";
import { findTenant, lockTenant } from "../store/tenant-repository.js";
import { TenantRow } from "../store/tenant-row.js";
import { auditContextOf, originOf, tenantOfCall, userOf } from "./caller.js";
import type { HandlerDeps } from "./deps.js";
import { deliverInvitation, inviteInTransaction } from "./invite.js";
import { oncePer } from "./once-per-request.js";
import { listPage, uuidAfter } from "./page-cursor.js";
import { rpc } from "./rpc-errors.js";
import { slugTaken } from "./tenant-errors.js";

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
    const origin = originOf(ctx, tenantId);
    const { correlationId } = origin;
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
            ? tenantSuspended(tenantId, row.statusReason, origin)
            : tenantReactivated(tenantId, origin),
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

  /**
   * The id of the tenant a CreateTenant makes. With a request_id it is reserved first under the
   * caller's own tenant (the new one has nowhere to keep the request id yet): a retry gets the same
   * id back, and the creation under that id, once per request id too, answers the first result.
   */
  async function newTenantId(req: CreateTenantRequest, callerTenantId: string): Promise<string> {
    if (req.requestId === "") return newId();
    const reserved = await db.withTenant(callerTenantId, (em) =>
      oncePer(
        deps.requestIds,
        em,
        TenantService.method.createTenant,
        { tenantId: callerTenantId, request: req },
        async () => ({ tenant: { id: newId() } }),
      ),
    );
    const id = reserved.tenant?.id ?? "";
    if (id === "") throw new Error("the reservation of a CreateTenant request id holds no tenant id");
    return id;
  }

  return {
    createTenant: (req, ctx) =>
      rpc(
        async () => {
          const name = nonBlank("name", req.name);
          checkSlug(req.slug);
          const plan = planFromProto(req.plan);
          if (plan === undefined) throw new InvalidInputError("plan", "is not a known plan");
          const id = await newTenantId(req, userOf(ctx).tenantId);
          const origin = originOf(ctx, id);
          const { correlationId } = origin;
          const now = deps.now();
          const answer = await db.withTenant(id, (em) =>
            oncePer(
              deps.requestIds,
              em,
              TenantService.method.createTenant,
              { tenantId: id, request: req },
              async () => {
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
                await announce(em, [tenantCreated(tenantView(row), origin)]);
                if (invitation === undefined) return { tenant: tenantView(row) };
                // Written before it is mailed, and mailed before the commit: the answer kept for
                // retries says whether it went out. The owner's link goes to their mailbox only
                // (accepting it proves the address).
                await em.flush();
                return {
                  tenant: tenantView(row),
                  ownerInvitation: invitationView(invitation.row),
                  ownerInvitationEmailSent: await deliverInvitation(deps, invitation, correlationId),
                };
              },
            ),
          );
          withContext(deps.logger, { tenantId: id, correlationId }).info({ plan }, "tenant created");
          return answer;
        },
        { tenants_slug_key: slugTaken(req.slug) },
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
        const origin = originOf(ctx, tenantId);
        const { correlationId } = origin;
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
          await announce(em, [tenantUpdated(tenantView(row), changed, origin)]);
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
        const page = listPage(req, { list: "tenants", status: status ?? "", query });
        const before = uuidAfter(req.pageToken, page.filters);
        const ids = await lookups.listTenantIds({ before, status, query, limit: page.size + 1 });
        // The ids come from the definer function; each row is read under its own tenant.
        const rows: TenantRow[] = [];
        for (const id of ids) {
          const row = await db.withTenant(id, (em) => findTenant(em, id));
          if (row !== null) rows.push(row);
        }
        const { items, nextPageToken } = page.of(rows, (r) => [r.id]);
        return { tenants: items.map(tenantView), nextPageToken };
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
