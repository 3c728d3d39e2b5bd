/** An invitation that was sent: the link carries the token, which nothing else may keep. */
export interface OutgoingInvitation {
  invitationId: string;
  tenantId: string;
  tenantName: string;
  email: string;
  role: "owner" | "admin" | "agent";
  acceptUrl: string;
  expiresAt: Date;
}

/**
 * Told of each invitation after the mailer sent it (StartOptions.invitationSender). Mail itself goes
 * through the one email sender (email/); this remains for test harnesses that capture invitations.
 */
export interface InvitationSender {
  send(invitation: OutgoingInvitation): Promise<void>;
}
