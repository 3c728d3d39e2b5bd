// The demo's WhatsApp channel: created once, then brought back to the known local secrets and Graph
// URL on every run (secrets are write-only, so their hints are compared).
import { ChannelType } from "@atendo/proto/common/v1";
import type { Channel, ChannelService } from "@atendo/proto/tenant/v1";
import { ChannelStatus } from "@atendo/proto/tenant/v1";
import type { Client } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { isCode } from "./connect-errors.js";
import { findInPages } from "./pages.js";

export interface ChannelSpec {
  channelName: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  appSecret: string;
  verifyToken: string;
  accessToken: string;
}

const last4 = (s: string): string => s.slice(-4);

export async function ensureChannel(
  channels: Client<typeof ChannelService>,
  workspaceId: string,
  spec: ChannelSpec,
  graphBaseUrl: string,
  changed: string[],
): Promise<Channel> {
  const config = {
    phoneNumberId: spec.phoneNumberId,
    wabaId: spec.wabaId,
    displayPhoneNumber: spec.displayPhoneNumber,
    accessToken: spec.accessToken,
    appSecret: spec.appSecret,
    verifyToken: spec.verifyToken,
    graphApiBaseUrl: graphBaseUrl,
  };
  try {
    const res = await channels.createChannel({
      workspaceId,
      name: spec.channelName,
      config: { case: "whatsapp", value: config },
    });
    if (res.channel === undefined) throw new Error("CreateChannel answered without a channel");
    changed.push("channel");
    return res.channel;
  } catch (err) {
    if (!isCode(err, Code.AlreadyExists)) throw err;
  }
  const found = await findInPages(
    async (pageToken) => {
      const r = await channels.listChannels({
        workspaceId,
        type: ChannelType.WHATSAPP,
        pageSize: 100,
        pageToken,
      });
      return { items: r.channels, next: r.nextPageToken };
    },
    (c) => c.config.case === "whatsapp" && c.config.value.phoneNumberId === spec.phoneNumberId,
  );
  if (found === undefined) {
    throw new Error(
      `WhatsApp number ${spec.phoneNumberId} is already registered outside the demo workspace ${workspaceId}; ` +
        "disable that channel or reset the dev database",
    );
  }
  let channel = found;
  const view = channel.config.case === "whatsapp" ? channel.config.value : undefined;
  const stale =
    view === undefined ||
    view.graphApiBaseUrl !== graphBaseUrl ||
    view.accessTokenHint !== last4(spec.accessToken) ||
    view.appSecretHint !== last4(spec.appSecret) ||
    view.verifyTokenHint !== last4(spec.verifyToken);
  if (stale) {
    const res = await channels.updateChannel({
      workspaceId,
      channelId: channel.id,
      updateMask: { paths: ["access_token", "app_secret", "verify_token", "graph_api_base_url"] },
      accessToken: spec.accessToken,
      appSecret: spec.appSecret,
      verifyToken: spec.verifyToken,
      graphApiBaseUrl: graphBaseUrl,
    });
    channel = res.channel ?? channel;
    changed.push("channel secrets");
  }
  if (channel.status !== ChannelStatus.ACTIVE) {
    const res = await channels.enableChannel({ workspaceId, channelId: channel.id });
    channel = res.channel ?? channel;
    changed.push("channel status");
  }
  return channel;
}
