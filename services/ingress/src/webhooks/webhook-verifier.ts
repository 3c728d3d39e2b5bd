import { type NodeRequest, type NodeResponse, sendText } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import type { MetaChannelName } from "../domain/resolved-channel.js";
import { answerHandshake } from "../domain/verify-handshake.js";
import { findMetaChannel } from "./channel-gate.js";

/**
 * GET `/webhooks/{whatsapp|instagram}/{channelId}`: Meta's verify handshake with the channel's
 * token (docs/meta-wire-format.md, rule 2).
 */
export interface WebhookVerifier {
  verify(req: NodeRequest, res: NodeResponse, name: MetaChannelName, channelId: string): Promise<void>;
}

export function createWebhookVerifier(deps: { channels: ChannelDirectory; logger: Logger }): WebhookVerifier {
  const { channels, logger } = deps;
  return {
    async verify(req, res, name, channelId) {
      const found = await findMetaChannel(channels, name, channelId, res, logger);
      if (found === undefined) return;
      const url = req.url ?? "";
      const q = url.indexOf("?");
      const answer = answerHandshake(
        new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
        found.credentials.verifyToken,
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
