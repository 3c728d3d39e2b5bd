import type { Message, MessageInput } from "@atendo/proto/common/v1";

/**
 * What a message says, as text a model (or a keyword check) can read: the body, a caption and the
 * interpretation of media, the title of a tapped button, a place's name. Empty when nothing is
 * readable. A stored Message may carry the interpretation of its media; a client's MessageInput
 * never does (the server derives it), so only its caption is read.
 */
export function messageText(message: Message | MessageInput | undefined): string {
  if (message === undefined) return "";
  const interpretation =
    message.$typeName === "atendo.common.v1.Message" ? (message.interpretation?.text ?? "") : "";
  const c = message.content;
  switch (c.case) {
    case "text":
      return c.value.body;
    case "media":
      return [c.value.caption, interpretation].filter((s) => s !== "").join("\n");
    case "interactiveReply":
      return c.value.title || c.value.payload;
    case "location":
      return [c.value.name, c.value.address].filter((s) => s !== "").join(", ");
    case "contacts":
      return c.value.contacts.map((card) => card.formattedName).join(", ");
    case "template":
      return c.value.bodyParameters.join(" ");
    default:
      return interpretation;
  }
}
