import {
  type ContactsContent,
  ContactsContentSchema,
  InteractiveReplyKind,
  InteractiveReplySchema,
  LocationContentSchema,
  MediaContentSchema,
  MediaKind,
  MediaRefSchema,
  MediaState,
  type Message,
  ReactionContentSchema,
  SharedContactEmailSchema,
  SharedContactPhoneSchema,
  SharedContactSchema,
  TextContentSchema,
  UnsupportedContentSchema,
} from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { arr, asObject, bool, type JsonObject, num, obj, str } from "./json-read.js";

/** What a WhatsApp message carries, as the `content` oneof of atendo.common.v1.Message. */
export type MessageContent = Message["content"];

export type MappedContent =
  | { content: MessageContent; unsupported: false }
  /**
   * Kept as `unsupported`: the message's original JSON travels along, undefined when it cannot be
   * serialised (nested too deeply).
   */
  | { content: MessageContent; unsupported: true; rawJson: string | undefined };

const MEDIA_KINDS: Readonly<Record<string, MediaKind>> = {
  image: MediaKind.IMAGE,
  video: MediaKind.VIDEO,
  audio: MediaKind.AUDIO,
  document: MediaKind.DOCUMENT,
  sticker: MediaKind.STICKER,
};

/** Maps the type-specific object of one WhatsApp message (docs/meta-wire-format.md, inbound WhatsApp). */
export function mapWhatsAppContent(message: JsonObject): MappedContent {
  const type = str(message, "type");
  const mapped = mapKnownType(type, message);
  if (mapped !== undefined) return { content: mapped, unsupported: false };
  const json = rawJson(message);
  return {
    content: unsupportedContent(type === "" ? "unknown" : type, message, json),
    unsupported: true,
    rawJson: json,
  };
}

function mapKnownType(type: string, message: JsonObject): MessageContent | undefined {
  const kind = MEDIA_KINDS[type];
  if (kind !== undefined) return mediaContent(kind, obj(message, type));
  switch (type) {
    case "text":
      return textContent(obj(message, "text"));
    case "location":
      return locationContent(obj(message, "location"));
    case "contacts":
      return contactsContent(arr(message, "contacts"));
    case "interactive":
      return interactiveContent(obj(message, "interactive"));
    case "button":
      return buttonContent(obj(message, "button"));
    case "reaction":
      return reactionContent(obj(message, "reaction"));
    default:
      // order, system, unsupported and anything new: kept as unsupported (docs/meta-wire-format.md, rule 8).
      return undefined;
  }
}

function textContent(text: JsonObject | undefined): MessageContent | undefined {
  const body = str(text, "body");
  if (body === "") return undefined;
  return { case: "text", value: create(TextContentSchema, { body }) };
}

function mediaContent(kind: MediaKind, media: JsonObject | undefined): MessageContent | undefined {
  const id = str(media, "id");
  const url = str(media, "url");
  // Without a media id or URL the file cannot be fetched: keep the original instead.
  if (id === "" && url === "") return undefined;
  const captionAllowed = kind !== MediaKind.AUDIO && kind !== MediaKind.STICKER;
  return {
    case: "media",
    value: create(MediaContentSchema, {
      kind,
      media: create(MediaRefSchema, {
        channelMediaId: id,
        url,
        mimeType: str(media, "mime_type"),
        sha256: str(media, "sha256"),
        filename: kind === MediaKind.DOCUMENT ? str(media, "filename") : "",
        // Meta's copy is short-lived: ingress's media consumer fetches and stores it.
        state: MediaState.PENDING,
      }),
      caption: captionAllowed ? str(media, "caption") : "",
      voice: kind === MediaKind.AUDIO && bool(media, "voice"),
      animated: kind === MediaKind.STICKER && bool(media, "animated"),
    }),
  };
}

function locationContent(location: JsonObject | undefined): MessageContent | undefined {
  const latitude = num(location, "latitude");
  const longitude = num(location, "longitude");
  if (latitude === undefined || longitude === undefined) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return {
    case: "location",
    value: create(LocationContentSchema, {
      latitude,
      longitude,
      name: str(location, "name"),
      address: str(location, "address"),
      url: str(location, "url"),
    }),
  };
}

function contactsContent(cards: readonly unknown[]): MessageContent | undefined {
  const contacts: ContactsContent["contacts"] = [];
  for (const item of cards) {
    const card = asObject(item);
    if (card === undefined) continue;
    contacts.push(
      create(SharedContactSchema, {
        formattedName: str(obj(card, "name"), "formatted_name"),
        phones: arr(card, "phones").map((p) => {
          const phone = asObject(p);
          return create(SharedContactPhoneSchema, {
            phone: str(phone, "phone"),
            waId: str(phone, "wa_id"),
            type: str(phone, "type"),
          });
        }),
        emails: arr(card, "emails").map((e) => {
          const email = asObject(e);
          return create(SharedContactEmailSchema, { email: str(email, "email"), type: str(email, "type") });
        }),
        organization: str(obj(card, "org"), "company"),
      }),
    );
  }
  if (contacts.length === 0) return undefined;
  return { case: "contacts", value: create(ContactsContentSchema, { contacts }) };
}

function interactiveContent(interactive: JsonObject | undefined): MessageContent | undefined {
  const subtype = str(interactive, "type");
  const reply = obj(interactive, subtype);
  if (reply === undefined) return undefined;
  switch (subtype) {
    case "button_reply":
      return interactiveReply(InteractiveReplyKind.BUTTON_REPLY, {
        id: str(reply, "id"),
        title: str(reply, "title"),
      });
    case "list_reply":
      return interactiveReply(InteractiveReplyKind.LIST_REPLY, {
        id: str(reply, "id"),
        title: str(reply, "title"),
        description: str(reply, "description"),
      });
    case "nfm_reply":
      // A WhatsApp Flow submission: the flow's answers are a JSON string in response_json.
      return interactiveReply(InteractiveReplyKind.NFM_REPLY, {
        id: str(reply, "name"),
        title: str(reply, "body"),
        payload: str(reply, "response_json"),
      });
    default:
      return undefined;
  }
}

function buttonContent(button: JsonObject | undefined): MessageContent | undefined {
  if (button === undefined) return undefined;
  return interactiveReply(InteractiveReplyKind.BUTTON, {
    title: str(button, "text"),
    payload: str(button, "payload"),
  });
}

function interactiveReply(
  kind: InteractiveReplyKind,
  fields: { id?: string; title?: string; description?: string; payload?: string },
): MessageContent {
  return { case: "interactiveReply", value: create(InteractiveReplySchema, { kind, ...fields }) };
}

function reactionContent(reaction: JsonObject | undefined): MessageContent | undefined {
  const target = str(reaction, "message_id");
  if (target === "") return undefined;
  // A removed reaction comes without emoji: an empty emoji says so.
  return {
    case: "reaction",
    value: create(ReactionContentSchema, { targetExternalMessageId: target, emoji: str(reaction, "emoji") }),
  };
}

/**
 * Content Atendo does not model, kept whole for inspection (docs/meta-wire-format.md, rule 8). Fields over
 * the contract's limits are cut (and said so) when the event is fitted to them.
 */
function unsupportedContent(
  originalType: string,
  message: JsonObject,
  json: string | undefined,
): MessageContent {
  const firstError = asObject(arr(message, "errors")[0]);
  const code = num(firstError, "code");
  return {
    case: "unsupported",
    value: create(UnsupportedContentSchema, {
      originalType,
      errorCode: code !== undefined && Number.isInteger(code) && code > 0 && code <= 0x7fffffff ? code : 0,
      rawJson: json ?? "",
    }),
  };
}

/**
 * The message's own JSON (only for what we could not map: the stored body stays byte-exact), or
 * undefined when it cannot be serialised: JSON.parse takes nesting that JSON.stringify's recursion
 * cannot give back (a RangeError past a few thousand levels).
 */
function rawJson(message: JsonObject): string | undefined {
  try {
    return JSON.stringify(message);
  } catch {
    return undefined;
  }
}
