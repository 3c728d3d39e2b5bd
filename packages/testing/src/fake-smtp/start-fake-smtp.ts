import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { linksIn, type Mailbox, type SentMail } from "../mail/mailbox.js";

/** A message the fake took: the SMTP envelope, who logged in, and the parsed message. */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** The username the client authenticated with. */
  user: string | undefined;
  parsed: ParsedMail;
}

export interface FakeSmtp extends Mailbox {
  /** `smtp://<user>:<password>@127.0.0.1:<port>`: what SMTP_URL is set to. */
  url: string;
  port: number;
  /** Every message accepted, in order. */
  received: ReceivedMail[];
  /** Refuses the next `count` messages at DATA with this reply, as a real server would (e.g. 550). */
  refuseNext(reply: { code: number; message: string }, count?: number): void;
  close(): Promise<void>;
}

/**
 * A local SMTP server (smtp-server, by the authors of nodemailer) standing in for the mail provider:
 * it speaks real SMTP, requires a login as providers do (plain auth without TLS: local only),
 * parses every message with mailparser, and can refuse messages with a chosen reply.
 */
export async function startFakeSmtp(options: { user?: string; password?: string } = {}): Promise<FakeSmtp> {
  const user = options.user ?? "atendo";
  const password = options.password ?? "smtp-test-password";
  const received: ReceivedMail[] = [];
  const refusals: Array<{ code: number; message: string }> = [];

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user });
      const err = Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 });
      return callback(err);
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const refusal = refusals.shift();
          if (refusal !== undefined) {
            callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
            return;
          }
          const from = session.envelope.mailFrom;
          received.push({
            envelope: {
              from: from === false ? "" : from.address,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            user: typeof session.user === "string" ? session.user : undefined,
            parsed,
          });
          callback();
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  const asSent = (m: ReceivedMail): SentMail => ({
    to: m.envelope.to.join(", "),
    subject: m.parsed.subject ?? "",
    text: m.parsed.text ?? "",
    links: linksIn(m.parsed.text ?? ""),
  });

  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    received,
    async messagesTo(address) {
      const to = address.toLowerCase();
      return received.filter((m) => m.envelope.to.some((r) => r.toLowerCase() === to)).map(asSent);
    },
    refuseNext(reply, count = 1) {
      for (let i = 0; i < count; i++) refusals.push(reply);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
