import { ChannelStatus } from "@atendo/proto/tenant/v1";
import { type NodeResponse, sendText } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import {
  type ChannelDirectory,
  ChannelLookupError,
  type ResolvedChannel,
} from "../clients/channel-directory.js";
import { type MetaChannelName, type MetaCredentials, metaCredentialsOf } from "../domain/resolved-channel.js";

/** A channel a Meta webhook URL names, with what its deliveries are checked against. */
export interface MetaChannel {
  channel: ResolvedChannel;
  credentials: MetaCredentials;
}

/** Retry-After of a 503 (Meta honours it): the tenant service or the database is catching up. */
export const RETRY_LATER_SECONDS = 5;

/**
 * Finds the channel of the given Meta type a webhook URL names, or answers for it: 404 when there
 * is no such channel of that type (nothing can be stored: the tenant is unknown), 503 when the
 * tenant service cannot tell (Meta retries).
 */
export async function findMetaChannel(
  channels: ChannelDirectory,
  name: MetaChannelName,
  channelId: string,
  res: NodeResponse,
  logger: Logger,
): Promise<MetaChannel | undefined> {
  let channel: ResolvedChannel | undefined;
  try {
    channel = await channels.resolve(channelId);
  } catch (err) {
    if (!(err instanceof ChannelLookupError)) throw err;
    logger.warn({ err, channel_id: channelId }, "channel lookup failed: answering 503");
    res.setHeader("retry-after", String(RETRY_LATER_SECONDS));
    sendText(res, 503, "channel lookup unavailable, retry later");
    return undefined;
  }
  const credentials = metaCredentialsOf(channel, name);
  if (channel === undefined || credentials === undefined) {
    sendText(res, 404, "unknown channel");
    return undefined;
  }
  return { channel, credentials };
}

/** Why a channel's deliveries are stored but not published; undefined when they are published. */
export function holdReason(channel: ResolvedChannel): string | undefined {
  if (channel.tenantSuspended) return "tenant suspended";
  if (channel.status === ChannelStatus.DISABLED) return "channel disabled";
  return undefined;
}
