import { linkFrom, type MailLink, tokenOf } from "@atendo/testing";
import type { TenantHarness } from "./start-tenant.js";

/** The token of the newest link of that kind the service mailed to `to`. */
export async function mailedToken(h: TenantHarness, to: string, kind: MailLink): Promise<string> {
  return tokenOf(await linkFrom(h.mailbox, to, kind));
}

/** The token of the invitation mail of that invitation (exactly one was sent). */
export function invitationToken(h: TenantHarness, invitationId: string | undefined): string {
  const sent = h.mail.filter((m) => m.kind === "invitation" && m.refs.invitationId === invitationId);
  if (sent.length !== 1 || sent[0] === undefined)
    throw new Error(`${sent.length} mails for invitation ${invitationId}`);
  return tokenOf(sent[0].link);
}
