import type { Logger } from "@atendo/telemetry";

/** An invitation ready to go out: the link carries the token, which nothing else may keep. */
export interface OutgoingInvitation {
  invitationId: string;
  tenantId: string;
  tenantName: string;
  email: string;
  role: "owner" | "admin" | "agent";
  acceptUrl: string;
  expiresAt: Date;
}

/** Delivers invitations (an email provider in production; pluggable so tests capture them). */
export interface InvitationSender {
  send(invitation: OutgoingInvitation): Promise<void>;
}

/**
 * Local development has no mail service: the log line says an invitation is waiting (ids only), and
 * the link itself goes to the developer's terminal as one plain line, outside the structured logs
 * that are collected and searched.
 */
export function createConsoleInvitationSender(deps: {
  logger: Logger;
  print?: (line: string) => void;
}): InvitationSender {
  const print = deps.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    async send(invitation) {
      deps.logger.info(
        { invitationId: invitation.invitationId, tenantId: invitation.tenantId, role: invitation.role },
        "invitation ready: its link is printed on the console (no mail service configured)",
      );
      print(
        `Invitation to ${invitation.tenantName} for ${invitation.email} (${invitation.role}), until ${invitation.expiresAt.toISOString()}: ${invitation.acceptUrl}`,
      );
    },
  };
}
