import { type AuthService, ErrorReason } from "@atendo/proto/tenant/v1";
import { clientIp } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { normalizeEmail } from "../domain/email.js";
import { userView } from "../domain/member-view.js";
import { findMembership } from "../store/member-repository.js";
import { findTenant } from "../store/tenant-repository.js";
import { findUser, findUserByEmail } from "../store/user-repository.js";
import type { UserRow } from "../store/user-row.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";
import { tenantError, tenantSuspended, throttled } from "./tenant-errors.js";

/** The one answer to a wrong email or password: it does not say which. */
export const BAD_CREDENTIALS = "invalid email or password";
/** The answer past the failure limit, the same for accounts that exist and those that do not. */
export const TOO_MANY_ATTEMPTS = "too many failed logins; try again later";

/**
 * Checks an email and password under the attempt limits: the password of a known user, or a decoy
 * verification for an unknown email (same time, same counters, same answer). The attempt is
 * reserved before argon2 runs, so however many arrive at once, no more passwords are tried than
 * the limits allow; a right password gives the reservation back.
 */
export async function checkPassword(
  deps: HandlerDeps,
  who: { email: string; password: string; header: Headers },
): Promise<UserRow> {
  const attempt = { email: who.email, ip: clientIp(who.header) };
  const retryAfterMs = await deps.loginAttempts.reserve(attempt);
  if (retryAfterMs !== undefined) throw throttled(TOO_MANY_ATTEMPTS, retryAfterMs);
  const user = await deps.db.withoutTenant((em) => findUserByEmail(em, who.email));
  const valid =
    user === null
      ? await deps.passwords.verifyNothing(who.password)
      : await deps.passwords.verify(user.passwordHash, who.password);
  if (user === null || !valid) throw tenantError(ErrorReason.INVALID_LOGIN, BAD_CREDENTIALS);
  await deps.loginAttempts.succeeded(attempt);
  return user;
}

/** Login: a session in the requested tenant, or in the one the user used last (skipping suspended ones). */
export function createLogin(deps: HandlerDeps): Pick<ServiceImpl<typeof AuthService>, "login"> {
  const { db, sessions, identity } = deps;
  return {
    login: (req, ctx) =>
      rpc(async () => {
        const email = normalizeEmail(req.email);
        const user = await checkPassword(deps, { email, password: req.password, header: ctx.requestHeader });
        const tenants = await identity.tenantsOfUser(user.id);
        const candidates = req.tenantId === "" ? tenants : tenants.filter((t) => t === req.tenantId);
        if (candidates.length === 0) {
          throw tenantError(
            ErrorReason.NOT_A_MEMBER,
            req.tenantId === ""
              ? "this account is not a member of any tenant"
              : "this account is not a member of that tenant",
          );
        }
        const rehash = deps.passwords.needsRehash(user.passwordHash)
          ? await deps.passwords.hash(req.password)
          : undefined;
        const platformAdmin = sessions.isPlatformAdmin(user);
        for (const tenantId of candidates) {
          const session = await db.withTenant(tenantId, async (em) => {
            const tenant = await findTenant(em, tenantId);
            const membership = await findMembership(em, user.id);
            if (tenant === null || membership === null) return undefined;
            if (tenant.status === "SUSPENDED" && !platformAdmin) return undefined;
            const now = deps.now();
            const row = await findUser(em, user.id);
            if (row === null) return undefined;
            row.lastLoginAt = now;
            if (rehash !== undefined) {
              row.passwordHash = rehash;
              row.updatedAt = now;
            }
            membership.lastLoginAt = now;
            const opened = await sessions.open(em, { user: row, membership });
            return { row, tokens: opened.pair };
          });
          if (session === undefined) continue;
          withContext(deps.logger, { tenantId, correlationId: correlationOf(ctx) }).info(
            { userId: user.id },
            "logged in",
          );
          return { user: userView(session.row), tokens: session.tokens, tenantId };
        }
        throw tenantSuspended();
      }),
  };
}
