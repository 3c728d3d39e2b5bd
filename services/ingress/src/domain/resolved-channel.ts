import type { ChannelType } from "@atendo/proto/common/v1";
import type { ChannelStatus, ResolveChannelResponse } from "@atendo/proto/tenant/v1";

/** What ingress needs to know about a channel to accept its webhooks. */
export interface ResolvedChannel {
  channelId: string;
  tenantId: string;
  workspaceId: string;
  type: ChannelType;
  status: ChannelStatus;
  tenantSuspended: boolean;
  /** WhatsApp channels only; the app secret and verify token never leave this process unsealed. */
  whatsapp?: { phoneNumberId: string; appSecret: string; verifyToken: string };
}

export function resolvedChannelFrom(res: ResolveChannelResponse): ResolvedChannel {
  const channel: ResolvedChannel = {
    channelId: res.channelId,
    tenantId: res.tenantId,
    workspaceId: res.workspaceId,
    type: res.type,
    status: res.status,
    tenantSuspended: res.tenantSuspended,
  };
  if (res.credentials.case === "whatsapp") {
    const c = res.credentials.value;
    channel.whatsapp = { phoneNumberId: c.phoneNumberId, appSecret: c.appSecret, verifyToken: c.verifyToken };
  }
  return channel;
}
