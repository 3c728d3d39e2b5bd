// The line `npm run dev` prints for each send the fake Graph API received, so a newcomer sees the
// reply their customer got: WhatsApp Cloud API sends and marks-read, Instagram Send API messages and
// sender actions.
import type { RecordedSend } from "@atendo/testing";

type Body = Record<string, unknown>;
const obj = (v: unknown): Body => (typeof v === "object" && v !== null ? (v as Body) : {});

function whatsappWhat(send: RecordedSend, body: Body): string {
  if (send.kind === "whatsapp_read") return `mark read (${String(body.status ?? "read")})`;
  const text = obj(body.text).body;
  return typeof text === "string" ? text : `<${String(body.type ?? send.kind)}>`;
}

function instagramWhat(send: RecordedSend, body: Body): string {
  if (send.kind === "instagram_action") return `<${String(body.sender_action)}>`;
  const message = obj(body.message);
  if (typeof message.text === "string") return message.text;
  const attachments = Array.isArray(message.attachments) ? message.attachments : [message.attachment];
  return attachments.map((a) => `<${String(obj(a).type ?? "attachment")}>`).join(" ");
}

export function graphSendLine(send: RecordedSend): string {
  const body = obj(send.body);
  const status = send.response.status === 200 ? "" : `  [answered ${send.response.status}]`;
  if (send.kind === "instagram_message" || send.kind === "instagram_action") {
    return `fake Instagram: send to ${send.to ?? "?"}: ${instagramWhat(send, body)}${status}`;
  }
  if (send.kind === "unparsable") return `fake Graph API: a send that is not JSON${status}`;
  const to = send.to === undefined ? "?" : `+${send.to.replace(/^\+/, "")}`;
  return `fake WhatsApp: send to ${to}: ${whatsappWhat(send, body)}${status}`;
}
