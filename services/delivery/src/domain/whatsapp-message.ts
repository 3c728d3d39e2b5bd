import { type MediaContent, MediaKind, type Message } from "@atendo/proto/common/v1";

/** A Cloud API send body (`POST /{phone_number_id}/messages`), ready for JSON. */
export type WhatsAppBody = Record<string, unknown>;

export type WhatsAppMapping = { ok: true; body: WhatsAppBody } | { ok: false; reason: string };

export interface WhatsAppSendInput {
  /** The customer's wa_id or phone number. */
  recipient: string;
  message: Message | undefined;
  /** wamid to quote (`context.message_id`); empty for none. */
  replyToExternalId: string;
}

const MEDIA_TYPE: Record<Exclude<MediaKind, MediaKind.UNSPECIFIED>, string> = {
  [MediaKind.AUDIO]: "audio",
  [MediaKind.IMAGE]: "image",
  [MediaKind.VIDEO]: "video",
  [MediaKind.DOCUMENT]: "document",
  [MediaKind.STICKER]: "sticker",
};

const TEXT_MAX = 4096;
const CAPTION_MAX = 1024;

// The `<type>` object of a send body, or why there is none.
type Mapped = { ok: true; type: string; object: unknown } | { ok: false; reason: string };

const reject = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** The recipient as WhatsApp wants it: "+" and the E.164 digits. */
export function toE164(recipient: string): string | undefined {
  const digits = recipient.trim().replace(/^\+/, "");
  return /^[0-9]{5,20}$/.test(digits) ? `+${digits}` : undefined;
}

function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function mediaObject(media: MediaContent): Mapped {
  if (media.kind === MediaKind.UNSPECIFIED) return reject("media without a kind");
  const type = MEDIA_TYPE[media.kind];
  const ref = media.media;
  // Exactly one locator: WhatsApp refuses both. A media id is already on WhatsApp's servers.
  const locator =
    ref !== undefined && ref.channelMediaId !== ""
      ? { id: ref.channelMediaId }
      : ref !== undefined && ref.url !== ""
        ? { link: ref.url }
        : undefined;
  if (locator === undefined) return reject(`${type} without a media id or link`);
  const object: WhatsAppBody = { ...locator };
  if (media.caption !== "") {
    if (type === "audio" || type === "sticker") return reject(`${type} cannot have a caption on WhatsApp`);
    if (charLength(media.caption) > CAPTION_MAX) return reject(`caption is over ${CAPTION_MAX} characters`);
    object.caption = media.caption;
  }
  if (type === "document" && ref !== undefined && ref.filename !== "") object.filename = ref.filename;
  if (type === "audio" && media.voice) object.voice = true;
  return { ok: true, type, object };
}

function contentOf(message: Message): Mapped {
  const { content } = message;
  switch (content.case) {
    case "text": {
      const body = content.value.body;
      if (body.trim() === "") return reject("text is empty");
      if (charLength(body) > TEXT_MAX) return reject(`text is over ${TEXT_MAX} characters`);
      return { ok: true, type: "text", object: { body, preview_url: content.value.previewUrl } };
    }
    case "media":
      return mediaObject(content.value);
    case "location": {
      const { latitude, longitude, name, address } = content.value;
      if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return reject("location out of range");
      return {
        ok: true,
        type: "location",
        object: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) },
      };
    }
    case "contacts": {
      if (content.value.contacts.length === 0) return reject("contacts without any card");
      const cards = content.value.contacts.map((c) => ({
        // WhatsApp wants formatted_name plus at least one name part.
        name: { formatted_name: c.formattedName, first_name: c.formattedName },
        ...(c.phones.length > 0
          ? {
              phones: c.phones.map((p) => ({
                phone: p.phone,
                ...(p.waId ? { wa_id: p.waId } : {}),
                type: p.type || "CELL",
              })),
            }
          : {}),
        ...(c.emails.length > 0
          ? { emails: c.emails.map((e) => ({ email: e.email, type: e.type || "WORK" })) }
          : {}),
        ...(c.organization ? { org: { company: c.organization } } : {}),
      }));
      if (cards.some((c) => c.name.formatted_name.trim() === "")) return reject("a contact card has no name");
      return { ok: true, type: "contacts", object: cards };
    }
    case "reaction":
      return {
        ok: true,
        type: "reaction",
        object: { message_id: content.value.targetExternalMessageId, emoji: content.value.emoji },
      };
    case "template": {
      const { name, languageCode, bodyParameters } = content.value;
      if (name === "" || languageCode === "") return reject("template without a name or language");
      const components =
        bodyParameters.length > 0
          ? [{ type: "body", parameters: bodyParameters.map((text) => ({ type: "text", text })) }]
          : [];
      return {
        ok: true,
        type: "template",
        object: { name, language: { code: languageCode }, ...(components.length > 0 ? { components } : {}) },
      };
    }
    case "interactiveReply":
      return reject("an interactive reply is a customer's answer; WhatsApp cannot send it");
    case "unsupported":
      return reject(`unsupported content (${content.value.originalType || "unknown"}) cannot be sent`);
    case undefined:
      return reject("the message has no content");
  }
}

/** Maps an outbound message to the Cloud API body, or says why WhatsApp cannot carry it. */
export function toWhatsAppBody(input: WhatsAppSendInput): WhatsAppMapping {
  const to = toE164(input.recipient);
  if (to === undefined) return reject("the recipient is not a WhatsApp phone number");
  if (input.message === undefined) return reject("the message has no content");
  const mapped = contentOf(input.message);
  if (!mapped.ok) return mapped;
  const quoted = input.replyToExternalId || input.message.context?.quotedExternalMessageId || "";
  return {
    ok: true,
    body: {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to,
      type: mapped.type,
      [mapped.type]: mapped.object,
      ...(quoted !== "" && mapped.type !== "reaction" ? { context: { message_id: quoted } } : {}),
    },
  };
}
