import {
  MediaInputSchema,
  type Message,
  type MessageInput,
  MessageInputSchema,
} from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";

/**
 * What the widget shows for a stored conversation message: the content as a client would write it
 * (MessageInput), without what the server derived. Media keeps the URL the conversation stored;
 * what the widget cannot draw (reactions, unsupported content) has no content.
 */
export function widgetContentOf(message: Message | undefined): MessageInput {
  const input = create(MessageInputSchema);
  const content = message?.content;
  switch (content?.case) {
    case "text":
    case "location":
    case "contacts":
    case "interactiveReply":
    case "template":
      input.content = content as MessageInput["content"];
      break;
    case "media": {
      const m = content.value;
      input.content = {
        case: "media",
        value: create(MediaInputSchema, {
          kind: m.kind,
          url: m.media?.url ?? "",
          mimeType: m.media?.mimeType ?? "",
          filename: m.media?.filename ?? "",
          caption: m.caption,
          voice: m.voice,
        }),
      };
      break;
    }
    default:
      break;
  }
  return input;
}
