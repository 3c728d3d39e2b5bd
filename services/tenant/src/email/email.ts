/** What kind of message: each has its template (templates.ts). */
export type EmailKind = "email_verification" | "invitation";

/** A composed message, ready for a sender. */
export interface Email {
  kind: EmailKind;
  /** The recipient's address. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The message's one link; it carries a token, so nothing but the recipient may keep it. */
  link: string;
  /** Ids for log lines (user, invitation, tenant): never the token. */
  refs: Readonly<Record<string, string>>;
}

/** Delivers composed messages: SMTP in production, the development sender locally, a capture in tests. */
export interface EmailSender {
  send(email: Email): Promise<void>;
}
