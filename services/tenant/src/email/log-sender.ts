import type { Logger } from "@atendo/telemetry";
import type { EmailSender } from "./email.js";

/**
 * The development sender (no SMTP_URL): the log line says a message is waiting (ids only), and in
 * development (NODE_ENV=development, logging at info) its link goes to the developer's terminal as
 * one plain line, outside the structured logs that are collected and searched. In any other environment the link
 * is never printed: it carries a token. Production refuses to start without SMTP (config.ts).
 */
export function createLogSender(deps: {
  logger: Logger;
  showLinks: boolean;
  print?: (line: string) => void;
}): EmailSender {
  const print = deps.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    async send(email) {
      deps.logger.info(
        { email: email.kind, ...email.refs },
        deps.showLinks
          ? "email not sent (no SMTP_URL): its link is printed on the console"
          : "email not sent: no SMTP_URL is configured",
      );
      // Part of the info-level output: a process logging warnings only (tests) prints nothing.
      if (deps.showLinks && deps.logger.isLevelEnabled("info")) {
        print(`${email.subject} (to ${email.to}): ${email.link}`);
      }
    },
  };
}
