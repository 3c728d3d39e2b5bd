import type { AuthService } from "@atendo/proto/tenant/v1";
import { unauthenticated } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { userView } from "../domain/member-view.js";
import { PreconditionError } from "../domain/precondition-error.js";
import { VERIFICATION_MAILS_PER_DAY, VERIFICATION_RESEND_COOLDOWN_S } from "../domain/token-lifetimes.js";
import { acceptedLanguages, languageOf } from "../email/language.js";
import { issueVerification, redeemVerification } from "../store/email-verifications.js";
import { findUser } from "../store/user-repository.js";
import { userOf } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";

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
        if (user === undefined) throw unauthenticated(INVALID_LINK);
        withContext(deps.logger, { correlationId: correlationOf(ctx) }).info(
          { userId: user.id },
          "email verified",
        );
        return { user: userView(user) };
      }),

    resendVerificationEmail: (_req, ctx) =>
      rpc(async () => {
        const caller = userOf(ctx);
        const user = await db.withoutTenant((em) => findUser(em, caller.userId));
        if (user === null) throw unauthenticated("missing or invalid credentials");
        if (user.emailVerifiedAt != null)
          throw new PreconditionError("your email address is already verified");
        const full = await deps.counters.reserve([
          {
            key: `verification-mail:recent:${user.id}`,
            max: 1,
            windowMs: VERIFICATION_RESEND_COOLDOWN_S * 1000,
          },
          { key: `verification-mail:day:${user.id}`, max: VERIFICATION_MAILS_PER_DAY, windowMs: 86_400_000 },
        ]);
        if (full !== undefined) {
          throw new ConnectError(
            full.max === 1
              ? `a verification email was sent less than ${VERIFICATION_RESEND_COOLDOWN_S} seconds ago; check your mailbox or try again in a minute`
              : `${VERIFICATION_MAILS_PER_DAY} verification emails were sent today; try again tomorrow`,
            Code.ResourceExhausted,
          );
        }
        const verification = await db.withoutTenant(async (em) => issueVerification(em, user, deps.now()));
        const correlationId = correlationOf(ctx);
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
      }),
  };
}
