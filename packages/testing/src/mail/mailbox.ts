import { waitFor } from "../wait-for.js";

/** A message a service sent, as a test reads it. */
export interface SentMail {
  to: string;
  subject: string;
  text: string;
  /** Every http(s) link of the message, in order. */
  links: string[];
}

/** Where a test reads the mail a service sent (its development mailbox, a fake SMTP server...). */
export interface Mailbox {
  /** The messages to `address` so far, oldest first. */
  messagesTo(address: string): Promise<SentMail[]>;
}

/** The two links the tenant service mails, by the console path they open. */
export const MAIL_LINKS = {
  verification: "/verify-email",
  invitation: "/invitations/accept",
} as const;

export type MailLink = keyof typeof MAIL_LINKS;

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/** The http(s) links of a plain-text body (without the punctuation that ends a sentence). */
export function linksIn(text: string): string[] {
  return [...text.matchAll(URL_IN_TEXT)].map((m) => m[0].replace(/[.,;:!?)]+$/, ""));
}

/**
 * The newest link of that kind mailed to `address`, waiting (within a deadline) for it to arrive;
 * `after` skips the first that many messages (the ones a test had already seen).
 */
export async function linkFrom(
  mailbox: Mailbox,
  address: string,
  kind: MailLink,
  options: { after?: number; timeoutMs?: number } = {},
): Promise<string> {
  const path = MAIL_LINKS[kind];
  return waitFor(
    async () => {
      const mail = (await mailbox.messagesTo(address)).slice(options.after ?? 0);
      const links = mail.flatMap((m) => m.links).filter((l) => new URL(l).pathname === path);
      return links.at(-1);
    },
    { timeoutMs: options.timeoutMs ?? 5000, message: `a ${kind} link mailed to ${address}` },
  );
}

/** The token a link carries in its fragment (`#token=...`). */
export function tokenOf(link: string): string {
  const token = new URLSearchParams(new URL(link).hash.slice(1)).get("token");
  if (token === null || token === "") throw new Error(`no #token= in ${link}`);
  return token;
}

/**
 * The development mailbox of a tenant service running without SMTP_URL in development
 * (`GET <tenantUrl>/dev/mailbox?to=`, answered to loopback callers only).
 */
export function devMailboxOf(tenantUrl: string): Mailbox {
  return {
    async messagesTo(address) {
      const res = await fetch(`${tenantUrl}/dev/mailbox?to=${encodeURIComponent(address)}`);
      if (res.status !== 200) {
        throw new Error(
          `the tenant service at ${tenantUrl} has no development mailbox (${res.status}): give the identity kit a mailbox`,
        );
      }
      const body = (await res.json()) as {
        messages: Array<{ to: string; subject: string; text: string; link: string }>;
      };
      return body.messages.map((m) => ({ to: m.to, subject: m.subject, text: m.text, links: [m.link] }));
    },
  };
}
