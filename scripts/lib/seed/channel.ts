// The demo's channels share one life cycle: found by their identity (or created the first time),
// brought back to the known local settings, and switched on.
import type { ChannelType } from "@atendo/proto/common/v1";
import type { Channel, ChannelService, CreateChannelRequestSchema } from "@atendo/proto/tenant/v1";
import { ChannelStatus } from "@atendo/proto/tenant/v1";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { isCode } from "./connect-errors.js";
import { findInPages } from "./pages.js";

type Channels = Client<typeof ChannelService>;
/** The UpdateChannel fields the seed sets. */
export interface ChannelUpdate {
  updateMask: { paths: string[] };
  accessToken?: string;
  appSecret?: string;
  verifyToken?: string;
  graphApiBaseUrl?: string;
  allowedOrigins?: string[];
  identityVerification?: boolean;
}

export interface ChannelPlan {
  /** What `changed` says about it, e.g. "channel" (then "channel secrets", "channel status"). */
  label: string;
  name: string;
  type: ChannelType;
  config: NonNullable<MessageInitShape<typeof CreateChannelRequestSchema>["config"]>;
  /** Which listed channel is this one (by its identity: number, account, name). */
  pick(channel: Channel): boolean;
  /** Why CreateChannel found a clash the workspace's list does not show (it belongs elsewhere). */
  notFound: string;
  /** The update that brings a found channel back to the plan; undefined when it already matches. */
  drift(channel: Channel): { what: string; update: ChannelUpdate } | undefined;
}

export async function ensureChannel(
  channels: Channels,
  workspaceId: string,
  plan: ChannelPlan,
  changed: string[],
): Promise<Channel> {
  // Looked up first: CreateChannel checks the plan's channel limit before it finds a duplicate.
  const find = () =>
    findInPages(async (pageToken) => {
      const r = await channels.listChannels({ workspaceId, type: plan.type, pageSize: 100, pageToken });
      return { items: r.channels, next: r.nextPageToken };
    }, plan.pick);
  const found = await find();
  if (found === undefined) return create(channels, workspaceId, plan, changed);
  let channel = found;
  const drift = plan.drift(channel);
  if (drift !== undefined) {
    const res = await channels.updateChannel({ workspaceId, channelId: channel.id, ...drift.update });
    channel = res.channel ?? channel;
    changed.push(`${plan.label} ${drift.what}`);
  }
  if (channel.status !== ChannelStatus.ACTIVE) {
    const res = await channels.enableChannel({ workspaceId, channelId: channel.id });
    channel = res.channel ?? channel;
    changed.push(`${plan.label} status`);
  }
  return channel;
}

async function create(
  channels: Channels,
  workspaceId: string,
  plan: ChannelPlan,
  changed: string[],
): Promise<Channel> {
  try {
    const res = await channels.createChannel({ workspaceId, name: plan.name, config: plan.config });
    if (res.channel === undefined) throw new Error("CreateChannel answered without a channel");
    changed.push(plan.label);
    return res.channel;
  } catch (err) {
    if (isCode(err, Code.AlreadyExists)) throw new Error(plan.notFound);
    if (isCode(err, Code.ResourceExhausted)) {
      throw new Error(
        `the demo tenant's plan has no room for "${plan.name}" (${err instanceof Error ? err.message : ""}); ` +
          "remove a channel you added or reset the dev database",
      );
    }
    throw err;
  }
}
