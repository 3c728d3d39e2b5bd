import { ChannelType, Direction, MessageStatus, SenderKind } from "@atendo/proto/common/v1";
import { ConversationHandler, ConversationStatus } from "@atendo/proto/conversation/v1";

// The database stores readable names; the wire uses the protobuf enums. These tables are the only
// place the two meet.

export const CHANNEL_TYPES = ["WHATSAPP", "INSTAGRAM", "WEB"] as const;
export type ChannelTypeName = (typeof CHANNEL_TYPES)[number];

export const CONVERSATION_STATUSES = ["OPEN", "PENDING_HUMAN", "RESOLVED"] as const;
export type ConversationStatusName = (typeof CONVERSATION_STATUSES)[number];

export const HANDLERS = ["AI", "HUMAN"] as const;
export type HandlerName = (typeof HANDLERS)[number];

export const DIRECTIONS = ["INBOUND", "OUTBOUND"] as const;
export type DirectionName = (typeof DIRECTIONS)[number];

export const SENDER_KINDS = ["CONTACT", "AI", "AGENT", "SYSTEM"] as const;
export type SenderKindName = (typeof SENDER_KINDS)[number];

export const MESSAGE_STATUSES = ["PENDING", "SENT", "DELIVERED", "READ", "PLAYED", "FAILED"] as const;
export type MessageStatusName = (typeof MESSAGE_STATUSES)[number];

const channelTypes: Record<ChannelTypeName, ChannelType> = {
  WHATSAPP: ChannelType.WHATSAPP,
  INSTAGRAM: ChannelType.INSTAGRAM,
  WEB: ChannelType.WEB,
};
const conversationStatuses: Record<ConversationStatusName, ConversationStatus> = {
  OPEN: ConversationStatus.OPEN,
  PENDING_HUMAN: ConversationStatus.PENDING_HUMAN,
  RESOLVED: ConversationStatus.RESOLVED,
};
const handlers: Record<HandlerName, ConversationHandler> = {
  AI: ConversationHandler.AI,
  HUMAN: ConversationHandler.HUMAN,
};
const directions: Record<DirectionName, Direction> = {
  INBOUND: Direction.INBOUND,
  OUTBOUND: Direction.OUTBOUND,
};
const senderKinds: Record<SenderKindName, SenderKind> = {
  CONTACT: SenderKind.CONTACT,
  AI: SenderKind.AI,
  AGENT: SenderKind.AGENT,
  SYSTEM: SenderKind.SYSTEM,
};
const messageStatuses: Record<MessageStatusName, MessageStatus> = {
  PENDING: MessageStatus.PENDING,
  SENT: MessageStatus.SENT,
  DELIVERED: MessageStatus.DELIVERED,
  READ: MessageStatus.READ,
  PLAYED: MessageStatus.PLAYED,
  FAILED: MessageStatus.FAILED,
};

function inverse<K extends string, V>(table: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as V, k as K]));
}
const channelTypeNames = inverse(channelTypes);
const conversationStatusNames = inverse(conversationStatuses);
const handlerNames = inverse(handlers);
const messageStatusNames = inverse(messageStatuses);

export const channelTypeToProto = (name: ChannelTypeName): ChannelType => channelTypes[name];
export const conversationStatusToProto = (name: ConversationStatusName): ConversationStatus =>
  conversationStatuses[name];
export const handlerToProto = (name: HandlerName): ConversationHandler => handlers[name];
export const directionToProto = (name: DirectionName): Direction => directions[name];
export const senderKindToProto = (name: SenderKindName): SenderKind => senderKinds[name];
export const messageStatusToProto = (name: MessageStatusName | null): MessageStatus =>
  name === null ? MessageStatus.UNSPECIFIED : messageStatuses[name];

/** undefined for UNSPECIFIED and unknown numbers: callers turn that into a clear error. */
export const channelTypeFromProto = (value: ChannelType): ChannelTypeName | undefined =>
  channelTypeNames.get(value);
export const conversationStatusFromProto = (value: ConversationStatus): ConversationStatusName | undefined =>
  conversationStatusNames.get(value);
export const handlerFromProto = (value: ConversationHandler): HandlerName | undefined =>
  handlerNames.get(value);
export const messageStatusFromProto = (value: MessageStatus): MessageStatusName | undefined =>
  messageStatusNames.get(value);
