import { type HttpHook, pathOf, sendJson, sendText } from "@atendo/service-kit";
import { normalizeEmail } from "../domain/email.js";
import type { Email, EmailKind, EmailSender } from "./email.js";

export const DEV_MAILBOX_PATH = "/dev/mailbox";

/** A message the development sender handled, as `GET /dev/mailbox` shows it. */
export interface MailboxEntry {
  kind: EmailKind;
  to: string;
  subject: string;
  text: string;
  link: string;
  sentAt: string;
}

export interface DevMailbox {
  /** The messages kept for an address, oldest first. */
  messagesTo(address: string): MailboxEntry[];
  /**
   * `GET /dev/mailbox?to=<address>`: what local tools (the dev seed, the test identity kit) read
   * the links from. Loopback callers only, and never through a proxy.
   */
  route: HttpHook;
  /** The sender, keeping a copy of each message here after `inner` took it. */
  wrap(inner: EmailSender): EmailSender;
}

const LOOPBACK_V4 = /^(?:::ffff:)?127\.\d+\.\d+\.\d+$/;
const isLoopback = (address: string | undefined) =>
  address !== undefined && (address === "::1" || LOOPBACK_V4.test(address));

/**
 * Development only (main.ts wires it when NODE_ENV=development and no SMTP_URL is set): the last
 * `capacity` messages in memory, each for at most `ttlMs`. It holds nothing the terminal did not
 * already show: the development sender prints the same links.
 */
export function createDevMailbox(
  options: { capacity?: number; ttlMs?: number; now?: () => Date } = {},
): DevMailbox {
  const capacity = options.capacity ?? 500;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const now = options.now ?? (() => new Date());
  const kept: Array<MailboxEntry & { at: number }> = [];

  const messagesTo = (address: string) => {
    const to = normalizeEmail(address);
    const since = now().getTime() - ttlMs;
    return kept.filter((m) => m.to === to && m.at >= since).map(({ at: _, ...m }) => m);
  };

  return {
    messagesTo,
    wrap: (inner) => ({
      async send(email: Email) {
        await inner.send(email);
        const at = now();
        kept.push({
          kind: email.kind,
          to: normalizeEmail(email.to),
          subject: email.subject,
          text: email.text,
          link: email.link,
          sentAt: at.toISOString(),
          at: at.getTime(),
        });
        if (kept.length > capacity) kept.splice(0, kept.length - capacity);
      },
    }),
    route: (req, res) => {
      if (pathOf(req) !== DEV_MAILBOX_PATH) return false;
      if (!isLoopback(req.socket.remoteAddress) || req.headers["x-forwarded-for"] !== undefined) {
        sendText(res, 404, "not found");
        return true;
      }
      if (req.method !== "GET") {
        res.setHeader("allow", "GET");
        sendText(res, 405, "method not allowed");
        return true;
      }
      const to = new URL(req.url ?? "/", "http://localhost").searchParams.get("to") ?? "";
      if (to === "") {
        sendText(res, 400, "give the address: /dev/mailbox?to=<email>");
        return true;
      }
      res.setHeader("cache-control", "no-store");
      sendJson(res, 200, { messages: messagesTo(to) });
      return true;
    },
  };
}
