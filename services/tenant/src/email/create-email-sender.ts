import type { Logger } from "@atendo/telemetry";
import type { Config } from "../config.js";
import { createDevMailbox, type DevMailbox } from "./dev-mailbox.js";
import type { EmailSender } from "./email.js";
import { createLogSender } from "./log-sender.js";
import { createSmtpSender } from "./smtp-sender.js";

/**
 * The one email sender of the service, from its configuration: SMTP when SMTP_URL is set, else the
 * development sender (links on the terminal in development, and `GET /dev/mailbox` for local
 * tools); `override` replaces both (tests).
 */
export function createEmailSender(
  config: Pick<Config, "email" | "development">,
  logger: Logger,
  override?: EmailSender,
): { sender: EmailSender; devMailbox: DevMailbox | undefined; close(): void } {
  if (override !== undefined) return { sender: override, devMailbox: undefined, close: () => undefined };
  if (config.email.kind === "smtp") {
    const smtp = createSmtpSender(config.email);
    return { sender: smtp, devMailbox: undefined, close: () => smtp.close() };
  }
  const log = createLogSender({ logger, showLinks: config.development });
  if (!config.development) return { sender: log, devMailbox: undefined, close: () => undefined };
  const devMailbox = createDevMailbox();
  return { sender: devMailbox.wrap(log), devMailbox, close: () => undefined };
}
