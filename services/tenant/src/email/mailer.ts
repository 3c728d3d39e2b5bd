import type { Logger } from "@atendo/telemetry";
import { withContext } from "@atendo/telemetry";
import type { InvitationSender } from "../clients/invitation-sender.js";
import type { TokenRole } from "../domain/roles.js";
import type { Email, EmailSender } from "./email.js";
import type { Language } from "./language.js";
import { invitationText, verificationText } from "./templates.js";

export interface InvitationMail {
  invitationId: string;
  tenantId: string;
  tenantName: string;
  email: string;
  role: TokenRole;
  token: string;
  expiresAt: Date;
  language: Language;
}

export interface VerificationMail {
  userId: string;
  email: string;
  name: string;
  token: string;
  expiresAt: Date;
  language: Language;
}

/**
 * The service's mail: composes each message in the recipient's language, puts its token in the
 * link's fragment (browsers never send a fragment to a server, so no access log keeps it) and hands
 * it to the sender. A failed send answers false and is logged without the token; what it was
 * about (an invitation, a verification) stays valid.
 */
export interface Mailer {
  invitation(mail: InvitationMail, correlationId: string): Promise<boolean>;
  verification(mail: VerificationMail, correlationId: string): Promise<boolean>;
}

export function createMailer(deps: {
  sender: EmailSender;
  /** CONSOLE_URL: where the links point. */
  consoleUrl: string;
  logger: Logger;
  /** Also told of each invitation sent (older test harnesses capture invitations with it). */
  invitationObserver?: InvitationSender;
}): Mailer {
  async function deliver(email: Email, token: string, log: Logger): Promise<boolean> {
    try {
      await deps.sender.send(email);
      return true;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const scrub = (s: string) => s.split(token).join("[token]");
      log.error(
        {
          err: { name: e.name, message: scrub(e.message), code: (e as { code?: unknown }).code },
          email: email.kind,
          ...email.refs,
        },
        "email could not be sent; what it is about stays valid",
      );
      return false;
    }
  }

  return {
    async invitation(mail, correlationId) {
      const link = `${deps.consoleUrl}/invitations/accept#token=${mail.token}`;
      const refs = { invitationId: mail.invitationId, tenantId: mail.tenantId };
      const sent = await deliver(
        {
          kind: "invitation",
          to: mail.email,
          ...invitationText(mail.language, { ...mail, link }),
          link,
          refs,
        },
        mail.token,
        withContext(deps.logger, { tenantId: mail.tenantId, correlationId }),
      );
      await deps.invitationObserver?.send({
        invitationId: mail.invitationId,
        tenantId: mail.tenantId,
        tenantName: mail.tenantName,
        email: mail.email,
        role: mail.role,
        acceptUrl: link,
        expiresAt: mail.expiresAt,
      });
      return sent;
    },

    verification(mail, correlationId) {
      const link = `${deps.consoleUrl}/verify-email#token=${mail.token}`;
      return deliver(
        {
          kind: "email_verification",
          to: mail.email,
          ...verificationText(mail.language, { ...mail, link }),
          link,
          refs: { userId: mail.userId },
        },
        mail.token,
        withContext(deps.logger, { correlationId }),
      );
    },
  };
}
