import type { ChannelType } from "@atendo/proto/common/v1";
import { type ChannelStatus, Plan, type ResolveChannelResponse } from "@atendo/proto/tenant/v1";

/** How ingress reaches the channel's Graph API (media downloads). */
export interface GraphAccess {
  accessToken: string;
  /** Empty: the default Graph host of the channel type. */
  graphApiBaseUrl: string;
  /** Empty: the default version. */
  graphApiVersion: string;
}

/** What ingress needs to know about a channel to accept its webhooks and fetch its media. */
export interface ResolvedChannel {
  channelId: string;
  tenantId: string;
  workspaceId: string;
  type: ChannelType;
  status: ChannelStatus;
  tenantSuspended: boolean;
  /** The tenant's plan (webhook rate limits); UNSPECIFIED from an older tenant service. */
  plan: Plan;
  /** WhatsApp channels only; the secrets never leave this process unsealed. */
  whatsapp?: { phoneNumberId: string; appSecret: string; verifyToken: string } & GraphAccess;
  /** Instagram channels only; the secrets never leave this process unsealed. */
  instagram?: { accountId: string; appSecret: string; verifyToken: string } & GraphAccess;
}

export function resolvedChannelFrom(res: ResolveChannelResponse): ResolvedChannel {
  const channel: ResolvedChannel = {
    channelId: res.channelId,
    tenantId: res.tenantId,
    workspaceId: res.workspaceId,
    type: res.type,
    status: res.status,
    tenantSuspended: res.tenantSuspended,
    plan: res.plan ?? Plan.UNSPECIFIED,
  };
  if (res.credentials.case === "whatsapp") {
    const c = res.credentials.value;
    channel.whatsapp = {
      phoneNumberId: c.phoneNumberId,
      appSecret: c.appSecret,
      verifyToken: c.verifyToken,
      accessToken: c.accessToken,
      graphApiBaseUrl: c.graphApiBaseUrl,
      graphApiVersion: c.graphApiVersion,
    };
  } else if (res.credentials.case === "instagram") {
    const c = res.credentials.value;
    channel.instagram = {
      accountId: c.accountId,
      appSecret: c.appSecret,
      verifyToken: c.verifyToken,
      accessToken: c.accessToken,
      graphApiBaseUrl: c.graphApiBaseUrl,
      graphApiVersion: c.graphApiVersion,
    };
  }
  return channel;
}
