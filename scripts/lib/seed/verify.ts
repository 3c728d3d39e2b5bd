// Email verification of a demo account, the way its owner would do it: the link comes from what the
// tenant service's development sender handled (GET /dev/mailbox, which `npm run dev` has because it
// sets no SMTP_URL), and VerifyEmail redeems it. A session signed before the verification does not
// carry what it unlocks (`padm`), so the account logs in again afterwards.
import type { AuthService } from "@atendo/proto/tenant/v1";
import { devMailboxOf, linkFrom, tokenOf } from "@atendo/testing";
import type { Client } from "@connectrpc/connect";
import type { AccountSession } from "./account.js";

export interface Verified {
  session: AccountSession;
  /** False when the address could not be verified (then `problem` says why). */
  verified: boolean;
  /** This run verified it (an account that existed unverified). */
  changed: boolean;
  problem?: string;
}

/** Verifies the account when it is not yet, through the mailed link, and logs it in again. */
export async function ensureVerified(
  auth: Client<typeof AuthService>,
  tenantUrl: string,
  account: { email: string; password: string; session: AccountSession },
): Promise<Verified> {
  const bearer = { headers: { authorization: `Bearer ${account.session.accessToken}` } };
  const me = await auth.getCurrentUser({}, bearer);
  if (me.user?.emailVerified === true) return { session: account.session, verified: true, changed: false };
  const mailbox = devMailboxOf(tenantUrl);
  try {
    let seen = 0;
    if (account.session.signedUp === undefined) {
      // Signed up by an earlier run that never verified: ask for a new link.
      seen = (await mailbox.messagesTo(account.email)).length;
      await auth.resendVerificationEmail({}, bearer);
    }
    const link = await linkFrom(mailbox, account.email, "verification", { after: seen });
    await auth.verifyEmail({ token: tokenOf(link) });
  } catch (err) {
    return {
      session: account.session,
      verified: false,
      changed: false,
      problem: `${account.email} is not verified (${err instanceof Error ? err.message : String(err)}): open the link mailed to it`,
    };
  }
  const login = await auth.login({
    email: account.email,
    password: account.password,
    tenantId: account.session.tenantId,
  });
  const accessToken = login.tokens?.accessToken ?? "";
  if (accessToken === "") throw new Error("Login answered without an access token");
  return {
    session: { ...account.session, accessToken },
    verified: true,
    changed: account.session.signedUp === undefined,
  };
}
