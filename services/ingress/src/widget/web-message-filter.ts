import { ChannelType } from "@atendo/proto/common/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

const CHANNEL_TYPE = MessageReceivedSchema.fields.find((f) => f.localName === "channelType")?.number;
if (CHANNEL_TYPE === undefined) throw new Error("MessageReceived has no channel_type field");

/**
 * Whether an encoded MessageReceived is a web-chat message, read from its channel_type alone (the
 * rest is skipped, not decoded): the widget's wake-up listener hears every received message of
 * every channel and wants only its own. Bytes that do not parse are not a web message.
 */
export function isWebMessage(data: Uint8Array): boolean {
  try {
    const reader = new BinaryReader(data);
    let type: number = ChannelType.UNSPECIFIED;
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      // Read to the end: a repeated field's last value wins, as in a full decode.
      if (field === CHANNEL_TYPE && wireType === WireType.Varint) type = reader.int32();
      else reader.skip(wireType, field);
    }
    return type === ChannelType.WEB;
  } catch {
    return false;
  }
}
