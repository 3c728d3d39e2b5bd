// Validation of WhatsApp Cloud API send bodies, following the limits of docs/meta-wire-format.md and Graph's docs.
import type { Json } from "./checks.js";
import {
  fail,
  oneOf,
  optionalBoolean,
  optionalString,
  requireArray,
  requireHttpUrl,
  requireNumber,
  requireObject,
  requireString,
} from "./checks.js";

export const WHATSAPP_MESSAGE_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "interactive",
  "template",
  "reaction",
  "location",
  "contacts",
] as const;
export type WhatsAppMessageType = (typeof WHATSAPP_MESSAGE_TYPES)[number];

const MEDIA_TYPES = new Set(["image", "video", "audio", "document", "sticker"]);
const CAPTIONED = new Set(["image", "video", "document"]);

function validateMedia(type: string, body: Json): void {
  const media = requireObject(body[type], type);
  const hasId = media.id !== undefined;
  const hasLink = media.link !== undefined;
  if (hasId === hasLink) fail(`Param ${type} must have exactly one of ${type}['id'] or ${type}['link']`);
  if (hasId) requireString(media.id, `${type}['id']`);
  if (hasLink) requireHttpUrl(media.link, `${type}['link']`);
  if (media.caption !== undefined) {
    if (!CAPTIONED.has(type)) fail(`Param ${type}['caption'] is not allowed for ${type} messages`);
    requireString(media.caption, `${type}['caption']`, 1, 1024);
  }
  if (media.filename !== undefined) {
    if (type !== "document") fail(`Param ${type}['filename'] is only allowed for documents`);
    requireString(media.filename, "document['filename']", 1, 240);
  }
  if (media.voice !== undefined) {
    if (type !== "audio") fail(`Param ${type}['voice'] is only allowed for audio`);
    optionalBoolean(media.voice, "audio['voice']");
  }
}

function validateButtons(action: Json): void {
  const buttons = requireArray(action.buttons, "interactive['action']['buttons']", 1, 3);
  const ids = new Set<string>();
  const titles = new Set<string>();
  buttons.forEach((button, i) => {
    const param = `interactive['action']['buttons'][${i}]`;
    const b = requireObject(button, param);
    oneOf(b.type, `${param}['type']`, ["reply"]);
    const reply = requireObject(b.reply, `${param}['reply']`);
    const id = requireString(reply.id, `${param}['reply']['id']`, 1, 256);
    const title = requireString(reply.title, `${param}['reply']['title']`, 1, 20);
    if (ids.has(id)) fail(`Buttons must have unique ids: "${id}" is repeated`);
    if (titles.has(title)) fail(`Buttons must have unique titles: "${title}" is repeated`);
    ids.add(id);
    titles.add(title);
  });
}

function validateList(action: Json): void {
  requireString(action.button, "interactive['action']['button']", 1, 20);
  const sections = requireArray(action.sections, "interactive['action']['sections']", 1, 10);
  const rowIds = new Set<string>();
  let rowCount = 0;
  sections.forEach((section, i) => {
    const param = `interactive['action']['sections'][${i}]`;
    const s = requireObject(section, param);
    if (sections.length > 1) requireString(s.title, `${param}['title']`, 1, 24);
    else optionalString(s.title, `${param}['title']`, 24);
    const rows = requireArray(s.rows, `${param}['rows']`, 1, 10);
    rows.forEach((row, j) => {
      const rowParam = `${param}['rows'][${j}]`;
      const r = requireObject(row, rowParam);
      const id = requireString(r.id, `${rowParam}['id']`, 1, 200);
      requireString(r.title, `${rowParam}['title']`, 1, 24);
      optionalString(r.description, `${rowParam}['description']`, 72);
      if (rowIds.has(id)) fail(`List rows must have unique ids: "${id}" is repeated`);
      rowIds.add(id);
    });
    rowCount += rows.length;
  });
  if (rowCount > 10) fail(`A list message can have at most 10 rows in total, got ${rowCount}`);
}

function validateInteractive(body: Json): void {
  const interactive = requireObject(body.interactive, "interactive");
  const kind = oneOf(interactive.type, "interactive['type']", [
    "button",
    "list",
    "cta_url",
    "product",
    "product_list",
    "flow",
    "location_request_message",
    "address_message",
  ]);
  if (interactive.header !== undefined) {
    const header = requireObject(interactive.header, "interactive['header']");
    const headerType = oneOf(header.type, "interactive['header']['type']", [
      "text",
      "image",
      "video",
      "document",
    ]);
    if (headerType === "text") requireString(header.text, "interactive['header']['text']", 1, 60);
  }
  if (interactive.footer !== undefined) {
    requireString(
      requireObject(interactive.footer, "interactive['footer']").text,
      "interactive['footer']['text']",
      1,
      60,
    );
  }
  if (kind === "button" || kind === "list") {
    requireString(
      requireObject(interactive.body, "interactive['body']").text,
      "interactive['body']['text']",
      1,
      1024,
    );
  } else if (interactive.body !== undefined) {
    requireString(
      requireObject(interactive.body, "interactive['body']").text,
      "interactive['body']['text']",
      1,
      1024,
    );
  }
  const action = requireObject(interactive.action, "interactive['action']");
  if (kind === "button") validateButtons(action);
  if (kind === "list") validateList(action);
}

function validateTemplate(body: Json): void {
  const template = requireObject(body.template, "template");
  requireString(template.name, "template['name']", 1, 512);
  requireString(
    requireObject(template.language, "template['language']").code,
    "template['language']['code']",
  );
  if (template.components !== undefined) requireArray(template.components, "template['components']", 0, 100);
}

function validateObjectOfType(type: WhatsAppMessageType, body: Json): void {
  if (MEDIA_TYPES.has(type)) {
    validateMedia(type, body);
    return;
  }
  switch (type) {
    case "text": {
      const text = requireObject(body.text, "text");
      requireString(text.body, "text['body']", 1, 4096);
      optionalBoolean(text.preview_url, "text['preview_url']");
      return;
    }
    case "interactive":
      validateInteractive(body);
      return;
    case "template":
      validateTemplate(body);
      return;
    case "reaction": {
      const reaction = requireObject(body.reaction, "reaction");
      requireString(reaction.message_id, "reaction['message_id']");
      // An empty emoji removes the reaction.
      requireString(reaction.emoji, "reaction['emoji']", 0);
      return;
    }
    case "location": {
      const location = requireObject(body.location, "location");
      const latitude = requireNumber(location.latitude, "location['latitude']");
      const longitude = requireNumber(location.longitude, "location['longitude']");
      if (Math.abs(latitude) > 90) fail("Param location['latitude'] must be between -90 and 90");
      if (Math.abs(longitude) > 180) fail("Param location['longitude'] must be between -180 and 180");
      optionalString(location.name, "location['name']");
      optionalString(location.address, "location['address']");
      return;
    }
    case "contacts": {
      const contacts = requireArray(body.contacts, "contacts", 1, 257);
      contacts.forEach((contact, i) => {
        const name = requireObject(requireObject(contact, `contacts[${i}]`).name, `contacts[${i}]['name']`);
        requireString(name.formatted_name, `contacts[${i}]['name']['formatted_name']`);
      });
      return;
    }
  }
}

/** Throws InvalidParameter for a body Graph would reject; returns the message type. */
export function validateWhatsAppMessage(body: Json): WhatsAppMessageType {
  if (body.messaging_product !== "whatsapp") {
    fail(
      `Param messaging_product must be "whatsapp" - got ${JSON.stringify(body.messaging_product ?? null)}`,
    );
  }
  if (body.recipient_type !== undefined)
    oneOf(body.recipient_type, "recipient_type", ["individual", "group"]);
  const to = requireString(body.to, "to");
  if (!/^\+?[0-9]{5,20}$/.test(to)) fail(`Param to must be a phone number in E.164 format - got "${to}"`);
  // Graph sends a text message when `type` is left out.
  const type = oneOf(body.type ?? "text", "type", WHATSAPP_MESSAGE_TYPES);
  validateObjectOfType(type, body);
  if (body.context !== undefined) {
    requireString(requireObject(body.context, "context").message_id, "context['message_id']");
  }
  return type;
}

/** The mark-read body: `{messaging_product, status: "read", message_id, typing_indicator?}`. */
export function validateWhatsAppRead(body: Json): void {
  if (body.messaging_product !== "whatsapp") {
    fail(
      `Param messaging_product must be "whatsapp" - got ${JSON.stringify(body.messaging_product ?? null)}`,
    );
  }
  oneOf(body.status, "status", ["read"]);
  requireString(body.message_id, "message_id");
  if (body.typing_indicator !== undefined) {
    oneOf(requireObject(body.typing_indicator, "typing_indicator").type, "typing_indicator['type']", [
      "text",
    ]);
  }
}

export function isWhatsAppReadBody(body: Json): boolean {
  return body.status !== undefined && body.to === undefined;
}
