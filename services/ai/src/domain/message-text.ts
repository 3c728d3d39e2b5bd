import type { Message } from "@atendo/proto/common/v1";

/**
 * What a message says, as text a model (or a keyword check) can read: the body, a caption and the
 * interpretation of media, the title of a tapped button, a place's name. Empty when nothing is readable.
 */
export function messageText(message: Message | undefined): string {
  if (message === undefined) return "";
  const interpretation = message.interpretation?.text ?? "";
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
