import { ChannelStatus } from "@atendo/proto/tenant/v1";
import { failedPrecondition, unavailable, type VisitorPrincipal } from "@atendo/service-kit";
import { ChannelLookupError } from "../clients/channel-directory.js";
import type { WidgetDeps } from "./widget-deps.js";

/**
 * Refuses a visitor's write while their channel is disabled, gone or its tenant suspended; a tenant
 * service that cannot answer is `unavailable` (try again), never a silent accept.
 */
export async function requireActiveChannel(
  deps: Pick<WidgetDeps, "channels" | "logger">,
  visitor: VisitorPrincipal,
): Promise<void> {
  const channel = await deps.channels.resolve(visitor.channelId).catch((err: unknown) => {
    if (!(err instanceof ChannelLookupError)) throw err;
    deps.logger.warn({ err, channel_id: visitor.channelId }, "looking up a widget's channel failed");
    throw unavailable("the chat cannot take messages right now; try again");
  });
  if (channel === undefined || channel.status === ChannelStatus.DISABLED || channel.tenantSuspended) {
    throw failedPrecondition("this chat is not available at the moment");
  }
}
