import { ChannelType } from "@atendo/proto/common/v1";
import { ChannelStatus, Plan, TenantStatus } from "@atendo/proto/tenant/v1";

// The database stores readable names; the API speaks protobuf enums.

export type PlanName = "FREE" | "PRO" | "ENTERPRISE";
export type TenantStatusName = "ACTIVE" | "SUSPENDED";
export type ChannelTypeName = "WHATSAPP" | "INSTAGRAM" | "WEB";
export type ChannelStatusName = "ACTIVE" | "NEEDS_RECONNECT" | "DISABLED";

const PLANS: Record<PlanName, Plan> = { FREE: Plan.FREE, PRO: Plan.PRO, ENTERPRISE: Plan.ENTERPRISE };
const TENANT_STATUSES: Record<TenantStatusName, TenantStatus> = {
  ACTIVE: TenantStatus.ACTIVE,
  SUSPENDED: TenantStatus.SUSPENDED,
};
const CHANNEL_TYPES: Record<ChannelTypeName, ChannelType> = {
  WHATSAPP: ChannelType.WHATSAPP,
  INSTAGRAM: ChannelType.INSTAGRAM,
  WEB: ChannelType.WEB,
};
const CHANNEL_STATUSES: Record<ChannelStatusName, ChannelStatus> = {
  ACTIVE: ChannelStatus.ACTIVE,
  NEEDS_RECONNECT: ChannelStatus.NEEDS_RECONNECT,
  DISABLED: ChannelStatus.DISABLED,
};

function inverse<N extends string, E extends number>(map: Record<N, E>, value: E): N | undefined {
  return (Object.keys(map) as N[]).find((name) => map[name] === value);
}

export const planToProto = (name: PlanName): Plan => PLANS[name];
export const planFromProto = (plan: Plan): PlanName | undefined => inverse(PLANS, plan);
export const tenantStatusToProto = (name: TenantStatusName): TenantStatus => TENANT_STATUSES[name];
export const tenantStatusFromProto = (s: TenantStatus): TenantStatusName | undefined =>
  inverse(TENANT_STATUSES, s);
export const channelTypeToProto = (name: ChannelTypeName): ChannelType => CHANNEL_TYPES[name];
export const channelTypeFromProto = (t: ChannelType): ChannelTypeName | undefined =>
  inverse(CHANNEL_TYPES, t);
export const channelStatusToProto = (name: ChannelStatusName): ChannelStatus => CHANNEL_STATUSES[name];
export const channelStatusFromProto = (s: ChannelStatus): ChannelStatusName | undefined =>
  inverse(CHANNEL_STATUSES, s);
