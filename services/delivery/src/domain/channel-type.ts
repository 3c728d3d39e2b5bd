import { ChannelType } from "@atendo/proto/common/v1";

export const CHANNEL_TYPE_NAMES = ["WHATSAPP", "INSTAGRAM", "WEB"] as const;
export type ChannelTypeName = (typeof CHANNEL_TYPE_NAMES)[number];

export function channelTypeName(type: ChannelType): ChannelTypeName | undefined {
  switch (type) {
    case ChannelType.WHATSAPP:
      return "WHATSAPP";
    case ChannelType.INSTAGRAM:
      return "INSTAGRAM";
    case ChannelType.WEB:
      return "WEB";
    default:
      return undefined;
  }
}

export function channelTypeOf(name: ChannelTypeName): ChannelType {
  return ChannelType[name];
}
