import type { Secret } from "@atendo/service-kit";
import nodemailer from "nodemailer";
import type { EmailSender } from "./email.js";

export interface SmtpSettings {
  /** SMTP_URL: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://...:465` (TLS). */
  url: Secret;
  /** EMAIL_FROM, e.g. `Atendo <no-reply@example.com>`. */
  from: string;
  /** Connecting, the greeting and each command: a stuck server fails the send, not the RPC. */
  timeoutMs: number;
}

/**
 * A send that failed, described by what the SMTP exchange reported (nodemailer's error code, the
 * server's reply code and text) and never by the message: its link carries a token.
 */
export class EmailDeliveryError extends Error {
  override readonly name = "EmailDeliveryError";
  readonly code: string;
  readonly responseCode: number | undefined;

  constructor(code: string, responseCode: number | undefined, detail: string) {
    super(
      `the mail server did not take the message (${code}${responseCode ? ` ${responseCode}` : ""}): ${detail}`,
    );
    this.code = code;
    this.responseCode = responseCode;
  }
}

interface NodemailerError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/** Sends through an SMTP server with nodemailer (one connection per message; mail is rare here). */
export function createSmtpSender(settings: SmtpSettings): EmailSender & { close(): void } {
  const transport = nodemailer.createTransport({
    url: settings.url.reveal(),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    // The message is ours: no attachment may name a local file or a URL to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  return {
    async send(email) {
      try {
        await transport.sendMail({
          from: settings.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          // Automated mail: auto-responders should not answer it (RFC 3834).
          headers: { "Auto-Submitted": "auto-generated" },
        });
      } catch (err) {
        const e = (err ?? {}) as NodemailerError;
        const code = typeof e.code === "string" ? e.code : "EUNKNOWN";
        const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
        const said = typeof e.response === "string" ? e.response : String(e.message ?? "");
        // The server's words, never the message: cut anything that could quote the link.
        throw new EmailDeliveryError(code, responseCode, said.split(email.link).join("[link]").slice(0, 300));
      }
    },
    close: () => transport.close(),
  };
}
