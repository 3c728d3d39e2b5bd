import type { Message } from "@atendo/proto/common/v1";
import { MediaKind } from "@atendo/proto/common/v1";

const PREVIEW_MAX = 200;

const MEDIA_LABEL: Record<MediaKind, string> = {
  [MediaKind.UNSPECIFIED]: "[media]",
  [MediaKind.AUDIO]: "[audio]",
  [MediaKind.IMAGE]: "[image]",
  [MediaKind.VIDEO]: "[video]",
  [MediaKind.DOCUMENT]: "[document]",
  [MediaKind.STICKER]: "[sticker]",
};

/** The readable text of a message: what search matches and what the inbox preview shows. */
export function messageText(message: Message): string {
  const c = message.content;
  switch (c.case) {
    case "text":
      return c.value.body;
    case "media": {
      const label = c.value.voice ? "[voice note]" : MEDIA_LABEL[c.value.kind];
      const interpreted = message.interpretation?.text ?? "";
      return [label, c.value.caption, interpreted].filter((s) => s !== "").join(" ");
    }
    case "location":
      return ["[location]", c.value.name, c.value.address].filter((s) => s !== "").join(" ");
    case "contacts":
      return `[contacts] ${c.value.contacts.map((x) => x.formattedName).join(", ")}`.trim();
    case "interactiveReply":
      return c.value.title !== "" ? c.value.title : c.value.payload;
    case "reaction":
      return c.value.emoji === "" ? "[reaction removed]" : c.value.emoji;
    case "template":
      return `[template ${c.value.name}] ${c.value.bodyParameters.join(" ")}`.trim();
    case "unsupported":
      return `[${c.value.originalType || "unsupported"}]`;
    default:
      return "";
  }
}

/** A short single-line preview for the inbox list. */
export function messagePreview(message: Message): string {
  const oneLine = messageText(message).replace(/\s+/g, " ").trim();
  return oneLine.length <= PREVIEW_MAX ? oneLine : `${oneLine.slice(0, PREVIEW_MAX - 1)}…`;
}

/**
 * Whether the assistant should answer this content: reactions and content Atendo does not model
 * are stored and shown but never start a turn.
 */
export function isAnswerableContent(message: Message): boolean {
  const kind = message.content.case;
  return kind !== undefined && kind !== "reaction" && kind !== "unsupported" && kind !== "template";
}
