import { ChannelType } from "@atendo/proto/common/v1";
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

/** The Meta channel types, as webhook paths and `webhook_events.channel_type` spell them. */
export type MetaChannelName = "whatsapp" | "instagram";

/** What a Meta webhook of a channel is checked against. */
export interface MetaCredentials {
  appSecret: string;
  verifyToken: string;
  /** The business on the channel: WhatsApp `phone_number_id`, Instagram account id. */
  accountId: string;
}

const META_TYPES: Readonly<Record<MetaChannelName, ChannelType>> = {
  whatsapp: ChannelType.WHATSAPP,
  instagram: ChannelType.INSTAGRAM,
};

export function isMetaChannelName(name: string): name is MetaChannelName {
  return Object.hasOwn(META_TYPES, name);
}

/**
 * The webhook credentials of a channel of the named Meta type; undefined when there is no channel
 * or it is of another type (a WhatsApp channel's id under /webhooks/instagram/ is unknown there).
 */
export function metaCredentialsOf(
  channel: ResolvedChannel | undefined,
  name: string,
): MetaCredentials | undefined {
  if (channel === undefined || !isMetaChannelName(name) || channel.type !== META_TYPES[name])
    return undefined;
  if (name === "whatsapp" && channel.whatsapp !== undefined) {
    const { appSecret, verifyToken, phoneNumberId } = channel.whatsapp;
    return { appSecret, verifyToken, accountId: phoneNumberId };
  }
  if (name === "instagram" && channel.instagram !== undefined) {
    const { appSecret, verifyToken, accountId } = channel.instagram;
    return { appSecret, verifyToken, accountId };
  }
  return undefined;
}
