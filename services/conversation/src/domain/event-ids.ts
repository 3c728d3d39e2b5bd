import type { ChannelType } from "@atendo/proto/common/v1";
import { type ChannelTypeName, channelTypeToProto } from "./enums.js";

/** The ids every public event about a conversation or its messages carries, for routing. */
export interface ConversationEventIds {
  conversationId: string;
  contactId: string;
  channelId: string;
  channelType: ChannelType;
}

export function conversationEventIds(c: {
  id: string;
  contactId: string;
  channelId: string;
  channelType: ChannelTypeName;
}): ConversationEventIds {
  return {
    conversationId: c.id,
    contactId: c.contactId,
    channelId: c.channelId,
    channelType: channelTypeToProto(c.channelType),
  };
}
