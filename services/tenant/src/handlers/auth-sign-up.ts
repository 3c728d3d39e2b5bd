import { constraintName, isUniqueViolation, newId } from "@atendo/db";
import { type AuthService, ErrorReason, MemberChange } from "@atendo/proto/tenant/v1";
import { clientIp } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuditContext } from "../domain/audit.js";
import { memberSummary, tenantSummary, workspaceSummary } from "../domain/audit-summary.js";
import { normalizeEmail } from "../domain/email.js";
import { memberChanged, tenantCreated, workspaceCreated } from "../domain/events.js";
import { memberView, userView } from "../domain/member-view.js";
import { checkSlug, slugFromName } from "../domain/slug.js";
import { tenantView, workspaceView } from "../domain/tenant-view.js";
import { nonBlank } from "../domain/text.js";
import { DEFAULT_WORKSPACE_NAME, normalizeTimeZone } from "../domain/workspace-settings.js";
import { acceptedLanguages, languageOf } from "../email/language.js";
import { recordAudit } from "../store/audit-log.js";
import { issueVerification } from "../store/email-verifications.js";
import { MembershipRow } from "../store/membership-row.js";
import { TenantRow } from "../store/tenant-row.js";
import { findUserByEmail } from "../store/user-repository.js";
import { UserRow } from "../store/user-row.js";
import { WorkspaceRow } from "../store/workspace-row.js";
import { userOrigin } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";
import { slugTaken, tenantError, throttled } from "./tenant-errors.js";

// A derived slug that is taken gets a random suffix; after this many tries the caller picks one.
const DERIVED_SLUG_TRIES = 4;
const emailTaken = () => tenantError(ErrorReason.EMAIL_TAKEN, "an account with this email already exists");

const TOO_MANY_SIGN_UPS = {
  ip: "too many sign-ups from this address; try again later",
  global: "too many sign-ups right now; try again later",
} as const;

/**
 * SignUp: a FREE tenant, its owner (email not yet verified: a link is mailed), a first workspace
 * and a session, in one transaction. Everything cheap comes before argon2: validation, the
 * per-address and global limits, whether the email or the slug is taken; the hash itself waits
 * behind the sign-up gate so a burst of sign-ups never takes the threads logins need.
 */
export function createSignUp(deps: HandlerDeps): Pick<ServiceImpl<typeof AuthService>, "signUp"> {
  const { db, sessions, announce } = deps;
  return {
    signUp: (req, ctx) =>
      rpc(async () => {
        const email = normalizeEmail(req.email);
        const name = nonBlank("name", req.name);
        const tenantName = nonBlank("tenant_name", req.tenantName);
        const workspaceName = req.workspaceName.trim() || DEFAULT_WORKSPACE_NAME;
        const timeZone = normalizeTimeZone(req.timeZone);
        if (req.tenantSlug !== "") checkSlug(req.tenantSlug, "tenant_slug");
        const limited = await deps.signUpAttempts.reserve(clientIp(ctx.requestHeader));
        if (limited !== undefined) throw throttled(TOO_MANY_SIGN_UPS[limited.limit], limited.retryAfterMs);
        if ((await db.withoutTenant((em) => findUserByEmail(em, email))) !== null) throw emailTaken();
        if (req.tenantSlug !== "" && (await deps.identity.slugTaken(req.tenantSlug)))
          throw slugTaken(req.tenantSlug);
        const passwordHash = await deps.passwords.hashNew(req.password);
        const correlationId = correlationOf(ctx);

        const attempt = async (slug: string) => {
          const tenantId = newId();
          const userId = newId();
          const origin = userOrigin(ctx, userId);
          const now = deps.now();
          return db.withTenant(tenantId, async (em) => {
            const user = em.create(UserRow, {
              id: userId,
              email,
              name,
              passwordHash,
              platformAdmin: false,
              emailVerifiedAt: null,
              createdAt: now,
              updatedAt: now,
              lastLoginAt: now,
            });
            const tenant = em.create(TenantRow, {
              id: tenantId,
              tenantId,
              name: tenantName,
              slug,
              plan: "FREE",
              status: "ACTIVE",
              statusReason: "",
              limits: null,
              createdAt: now,
              updatedAt: now,
            });
            // Parents first: the rows carry no ORM relations to order the inserts by.
            await em.flush();
            const workspace = em.create(WorkspaceRow, {
              id: newId(),
              tenantId,
              name: workspaceName,
              timeZone,
              defaultLanguage: "en",
              createdAt: now,
              updatedAt: now,
            });
            const membership = em.create(MembershipRow, {
              id: newId(),
              tenantId,
              userId,
              role: "OWNER",
              workspaceIds: [],
              createdAt: now,
              updatedAt: now,
              lastLoginAt: now,
            });
            await em.flush();
            const audit: AuditContext = {
              tenantId,
              actor: { kind: "USER", id: userId, name: email },
              correlationId,
            };
            recordAudit(em, audit, {
              action: "tenant.create",
              targetType: "tenant",
              targetId: tenantId,
              after: tenantSummary(tenant),
            });
            recordAudit(em, audit, {
              action: "workspace.create",
              targetType: "workspace",
              targetId: workspace.id,
              workspaceId: workspace.id,
              after: workspaceSummary(workspace),
            });
            recordAudit(em, audit, {
              action: "member.add",
              targetType: "member",
              targetId: userId,
              after: memberSummary({ email, role: "OWNER", workspaceIds: [] }),
            });
            const session = await sessions.open(em, { user, membership });
            const verification = issueVerification(em, user, now);
            const member = memberView({ ...membership, email, name, joinedAt: membership.createdAt });
            await announce(em, [
              tenantCreated(tenantView(tenant), origin),
              workspaceCreated(workspaceView(workspace), origin),
              memberChanged(member, MemberChange.ADDED, origin),
            ]);
            return { user, tenant, workspace, tokens: session.pair, verification };
          });
        };

        let created: Awaited<ReturnType<typeof attempt>> | undefined;
        for (let i = 0; created === undefined; i++) {
          const derived = req.tenantSlug === "";
          const slug = derived ? slugFromName(tenantName, i === 0 ? "" : newId().slice(-6)) : req.tenantSlug;
          try {
            created = await attempt(slug);
          } catch (err) {
            const constraint = isUniqueViolation(err) ? constraintName(err) : undefined;
            if (constraint === "users_email_key") throw emailTaken();
            if (constraint === "tenants_slug_key" && derived && i + 1 < DERIVED_SLUG_TRIES) continue;
            if (constraint === "tenants_slug_key") throw slugTaken(slug);
            throw err;
          }
        }
        const { user, tenant, workspace, tokens, verification } = created;
        const emailSent = await deps.mailer.verification(
          {
            userId: user.id,
            email,
            name,
            ...verification,
            language: languageOf(...acceptedLanguages(ctx.requestHeader.get("accept-language"))),
          },
          correlationId,
        );
        withContext(deps.logger, { tenantId: tenant.id, correlationId }).info(
          { userId: user.id, workspaceId: workspace.id, verificationSent: emailSent },
          "signed up",
        );
        return {
          user: userView(user),
          tenant: tenantView(tenant),
          workspace: workspaceView(workspace),
          tokens,
        };
      }),
  };
}
