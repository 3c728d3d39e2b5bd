import { AuthService, ErrorReason } from "@atendo/proto/tenant/v1";
import { unauthenticated } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { userView } from "../domain/member-view.js";
import { VERIFICATION_MAILS_PER_DAY, VERIFICATION_RESEND_COOLDOWN_S } from "../domain/token-lifetimes.js";
import { acceptedLanguages, languageOf } from "../email/language.js";
import { issueVerification, redeemVerification } from "../store/email-verifications.js";
import { findUser } from "../store/user-repository.js";
import { userOf } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { oncePer } from "./once-per-request.js";
import { rpc } from "./rpc-errors.js";
import { tenantError, throttled } from "./tenant-errors.js";

const INVALID_LINK = "invalid or expired verification link; ask for a new one";

/** VerifyEmail (the link's token proves the address) and ResendVerificationEmail (throttled). */
export function createVerification(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof AuthService>, "verifyEmail" | "resendVerificationEmail"> {
  const { db } = deps;
  return {
    verifyEmail: (req, ctx) =>
      rpc(async () => {
        const user = await db.withoutTenant((em) => redeemVerification(em, req.token, deps.now()));
        if (user === undefined) throw tenantError(ErrorReason.VERIFICATION_LINK_INVALID, INVALID_LINK);
        withContext(deps.logger, { correlationId: correlationOf(ctx) }).info(
          { userId: user.id },
          "email verified",
        );
        return { user: userView(user) };
      }),

    resendVerificationEmail: (req, ctx) =>
      rpc(async () => {
        const caller = userOf(ctx);
        const correlationId = correlationOf(ctx);
        // Users are global; the request id is kept in the tenant of the caller's session.
        const answer = await db.withTenant(caller.tenantId, (em) =>
          oncePer(
            deps.requestIds,
            em,
            AuthService.method.resendVerificationEmail,
            { tenantId: caller.tenantId, request: req },
            async () => {
              const user = await findUser(em, caller.userId);
              if (user === null) throw unauthenticated("missing or invalid credentials");
              if (user.emailVerifiedAt != null) {
                throw tenantError(
                  ErrorReason.EMAIL_ALREADY_VERIFIED,
                  "your email address is already verified",
                );
              }
              const full = await deps.counters.reserve([
                {
                  key: `verification-mail:recent:${user.id}`,
                  max: 1,
                  windowMs: VERIFICATION_RESEND_COOLDOWN_S * 1000,
                },
                {
                  key: `verification-mail:day:${user.id}`,
                  max: VERIFICATION_MAILS_PER_DAY,
                  windowMs: 86_400_000,
                },
              ]);
              if (full !== undefined) {
                throw throttled(
                  full.key.max === 1
                    ? `a verification email was sent less than ${VERIFICATION_RESEND_COOLDOWN_S} seconds ago; check your mailbox or try again in a minute`
                    : `${VERIFICATION_MAILS_PER_DAY} verification emails were sent today; try again tomorrow`,
                  full.retryAfterMs,
                );
              }
              const verification = issueVerification(em, user, deps.now());
              // Written before it is mailed, and mailed before the commit: the answer kept for
              // retries says whether the link went out.
              await em.flush();
              const emailSent = await deps.mailer.verification(
                {
                  userId: user.id,
                  email: user.email,
                  name: user.name,
                  ...verification,
                  language: languageOf(...acceptedLanguages(ctx.requestHeader.get("accept-language"))),
                },
                correlationId,
              );
              withContext(deps.logger, { correlationId }).info(
                { userId: user.id, emailSent },
                "verification email sent again",
              );
              return { emailSent };
            },
          ),
        );
        return answer;
      }),
  };
}
