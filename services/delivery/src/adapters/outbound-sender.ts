import { ChannelType, type Message } from "@atendo/proto/common/v1";
import { ChannelStatus } from "@atendo/proto/tenant/v1";
import {
  type ChannelDirectory,
  ChannelNotFoundError,
  type ResolvedChannel,
  type WhatsAppTarget,
} from "../clients/tenant-channels.js";
import { notSent, type SendOutcome } from "../domain/send-outcome.js";
import { toWhatsAppBody, type WhatsAppBody } from "../domain/whatsapp-message.js";
import type { WhatsAppGraph } from "./whatsapp-graph.js";

export interface OutboundMessage {
  tenantId: string;
  channelId: string;
  channelType: ChannelType;
  recipient: string;
  message: Message | undefined;
  replyToExternalId: string;
}

/** Sends one outbound message on its channel. */
export interface OutboundSender {
  /** Never throws: every failure comes back as a classified outcome. */
  send(message: OutboundMessage, options: SendOptions): Promise<SendOutcome>;
}

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SendOptions {
  signal: AbortSignal;
  correlationId: string;
  /** The unit of work's logger (tenant, correlation and event ids). */
  logger: Logger;
}

const STATUS_WORDS: Record<ChannelStatus, string> = {
  [ChannelStatus.UNSPECIFIED]: "in an unknown state",
  [ChannelStatus.ACTIVE]: "active",
  [ChannelStatus.NEEDS_RECONNECT]: "waiting to be reconnected",
  [ChannelStatus.DISABLED]: "disabled",
};

export function createOutboundSender(deps: {
  channels: ChannelDirectory;
  whatsapp: WhatsAppGraph;
}): OutboundSender {
  const { channels, whatsapp } = deps;

  async function resolve(
    msg: OutboundMessage,
    options: SendOptions & { fresh?: boolean },
  ): Promise<ResolvedChannel | SendOutcome> {
    try {
      return await channels.resolve(msg.channelId, {
        signal: options.signal,
        correlationId: options.correlationId,
        ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
      });
    } catch (err) {
      if (err instanceof ChannelNotFoundError) {
        return notSent("permanent", "channel not found", `channel ${msg.channelId} does not exist`);
      }
      options.logger.warn({ err, channel_id: msg.channelId }, "channel lookup failed");
      return notSent("transient", "channel lookup failed", "the tenant service could not be reached");
    }
  }

  function usable(
    msg: OutboundMessage,
    channel: ResolvedChannel,
    logger: Logger,
  ): WhatsAppTarget | SendOutcome {
    // Events name their tenant; a channel of another tenant means a bug or forgery upstream.
    if (channel.tenantId !== msg.tenantId) {
      logger.error({ channel_id: msg.channelId }, "outbound message names a channel of another tenant");
      return notSent("permanent", "channel not found", `channel ${msg.channelId} does not exist`);
    }
    if (channel.tenantSuspended) {
      return notSent("held", "tenant suspended", "the message is sent when the tenant is reactivated");
    }
    if (channel.status !== ChannelStatus.ACTIVE) {
      return notSent("skipped", "channel not active", `the channel is ${STATUS_WORDS[channel.status]}`);
    }
    if (channel.type !== ChannelType.WHATSAPP || channel.whatsapp === undefined) {
      return notSent("permanent", "channel type mismatch", "the channel is not a WhatsApp channel");
    }
    return channel.whatsapp;
  }

  const isOutcome = (v: object): v is SendOutcome => "kind" in v;

  function post(target: WhatsAppTarget, body: WhatsAppBody, signal: AbortSignal): Promise<SendOutcome> {
    return whatsapp.sendMessage({ ...target, body, signal });
  }

  return {
    async send(msg, options) {
      if (msg.channelType !== ChannelType.WHATSAPP) {
        return notSent(
          "permanent",
          "channel not supported",
          `delivery cannot send on ${ChannelType[msg.channelType]} channels yet`,
        );
      }
      const mapped = toWhatsAppBody(msg);
      if (!mapped.ok) return notSent("permanent", "content not supported", mapped.reason);

      const channel = await resolve(msg, options);
      if (isOutcome(channel)) return channel;
      let target = usable(msg, channel, options.logger);
      if (isOutcome(target) && target.kind === "held") {
        // A cached answer may predate a reactivation: only a fresh one holds the message back.
        const now = await resolve(msg, { ...options, fresh: true });
        if (isOutcome(now)) return now;
        target = usable(msg, now, options.logger);
      }
      if (isOutcome(target)) return target;
      const first = await post(target, mapped.body, options.signal);
      if (first.kind !== "auth") return first;

      // The cached token may be older than the channel's: look again before giving up on it.
      const fresh = await resolve(msg, { ...options, fresh: true });
      if (isOutcome(fresh)) return first;
      const renewed = usable(msg, fresh, options.logger);
      // Disabled or already waiting for a reconnect: that, not the refused token, is the answer.
      if (isOutcome(renewed)) return renewed;
      if (renewed.accessToken === target.accessToken) return first;
      const second = await post(renewed, mapped.body, options.signal);
      return { ...second, durationMs: first.durationMs + second.durationMs };
    },
  };
}
