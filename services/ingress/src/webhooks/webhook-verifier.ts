import { type NodeRequest, type NodeResponse, sendText } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { answerHandshake } from "../domain/verify-handshake.js";
import { findWhatsAppChannel } from "./channel-gate.js";

/** GET `/webhooks/whatsapp/{channelId}`: Meta's verify handshake with the channel's token. */
export interface WhatsAppVerifier {
  verify(req: NodeRequest, res: NodeResponse, channelId: string): Promise<void>;
}

export function createWhatsAppVerifier(deps: {
  channels: ChannelDirectory;
  logger: Logger;
}): WhatsAppVerifier {
  const { channels, logger } = deps;
  return {
    async verify(req, res, channelId) {
      const channel = await findWhatsAppChannel(channels, channelId, res, logger);
      if (channel === undefined) return;
      const url = req.url ?? "";
      const q = url.indexOf("?");
      const answer = answerHandshake(
        new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
        channel.whatsapp.verifyToken,
      );
      if (answer.status === 200) {
        res.setHeader("x-content-type-options", "nosniff");
        sendText(res, 200, answer.challenge, "text/plain; charset=utf-8");
        return;
      }
      // The query string is never logged: it carries the token.
      logger.info({ channel_id: channelId, status: answer.status }, "webhook verification refused");
      sendText(res, answer.status, answer.message);
    },
  };
}
