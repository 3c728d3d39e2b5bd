// Validation of Instagram Send API bodies (Instagram API with Instagram Login).
import type { Json } from "./checks.js";
import { fail, oneOf, requireArray, requireHttpUrl, requireObject, requireString } from "./checks.js";

export const INSTAGRAM_SENDER_ACTIONS = ["typing_on", "typing_off", "mark_seen"] as const;
const ATTACHMENT_TYPES = ["image", "audio", "video", "file", "like_heart"] as const;
const MAX_TEXT_BYTES = 1000;

function validateAttachment(value: unknown, param: string): void {
  const attachment = requireObject(value, param);
  const type = oneOf(attachment.type, `${param}[type]`, ATTACHMENT_TYPES);
  if (type === "like_heart") return;
  const payload = requireObject(attachment.payload, `${param}[payload]`);
  if (payload.attachment_id !== undefined)
    requireString(payload.attachment_id, `${param}[payload][attachment_id]`);
  else requireHttpUrl(payload.url, `${param}[payload][url]`);
}

/** Throws InvalidParameter for a body Graph would reject. */
export function validateInstagramSend(body: Json): "instagram_message" | "instagram_action" {
  requireString(requireObject(body.recipient, "recipient").id, "recipient[id]");
  if (body.messaging_type !== undefined)
    oneOf(body.messaging_type, "messaging_type", ["RESPONSE", "UPDATE", "MESSAGE_TAG"]);
  if (body.tag !== undefined || body.messaging_type === "MESSAGE_TAG") {
    // HUMAN_AGENT is the only tag Instagram accepts, and only for messages a person typed.
    oneOf(body.tag, "tag", ["HUMAN_AGENT"]);
  }
  if (body.sender_action !== undefined) {
    if (body.message !== undefined) fail("Param message cannot be sent together with sender_action");
    oneOf(body.sender_action, "sender_action", INSTAGRAM_SENDER_ACTIONS);
    return "instagram_action";
  }
  const message = requireObject(body.message, "message");
  const parts = [message.text, message.attachment, message.attachments].filter((p) => p !== undefined).length;
  if (parts !== 1)
    fail("Param message must have exactly one of message[text], message[attachment], message[attachments]");
  if (message.text !== undefined) {
    const text = requireString(message.text, "message[text]");
    if (Buffer.byteLength(text, "utf8") > MAX_TEXT_BYTES) {
      fail(`Length of param message[text] must be less than or equal to ${MAX_TEXT_BYTES}`);
    }
  }
  if (message.attachment !== undefined) validateAttachment(message.attachment, "message[attachment]");
  if (message.attachments !== undefined) {
    const attachments = requireArray(message.attachments, "message[attachments]", 1, 10);
    attachments.forEach((attachment, i) => {
      validateAttachment(attachment, `message[attachments][${i}]`);
    });
  }
  return "instagram_message";
}
