import type { ExternalContact } from "@atendo/proto/ingress/v1";
import { asObject, type JsonObject, obj, str } from "./json-read.js";
import { customerContact, mapWhatsAppContact } from "./whatsapp-contact.js";
import type { SplitTarget } from "./whatsapp-delivery-context.js";
import { unmappedMessageReceived, whatsAppMessageReceived } from "./whatsapp-message.js";
import { CHANGE_TYPES, whatsAppMessageChange } from "./whatsapp-message-change.js";
import { eitherStringProblem, firstProblem, stringProblem } from "./whatsapp-message-check.js";

/**
 * Where a message item comes from: `messages[]` (the customer wrote), `message_echoes[]` (the
 * business wrote in the WhatsApp Business app) or a thread of a coexistence `history` chunk
 * (either of them wrote: the business iff `from` is its display number).
 */
export type ItemSource =
  | { role: "inbound"; history: boolean; contacts: readonly unknown[] }
  | { role: "echo"; history: boolean }
  | { role: "history"; history: true; displayDigits: string; threadId: string };

/**
 * One item of a message list: published as a MessageReceived (or, for `edit` and `revoke`, a
 * MessageChangeReceived), or, when it lacks what a message needs, left out with a note that names
 * it and the problem (the rest of the delivery is published). `where` names the item by position,
 * built only for a note.
 */
export function splitMessageItem(
  item: unknown,
  where: () => string,
  source: ItemSource,
  target: SplitTarget,
): void {
  const { ctx, out, note } = target;
  const message = asObject(item);
  if (message === undefined) {
    note(`message at ${where()} not published: not an object`);
    return;
  }
  const id = typeof message.id === "string" ? message.id : "";
  const name = (): string => (id === "" ? `message at ${where()}` : `message ${id}`);
  const isEcho =
    source.role === "echo" ||
    (source.role === "history" &&
      source.displayDigits !== "" &&
      digitsOf(str(message, "from")) === source.displayDigits);
  const problem = firstProblem(
    stringProblem(message, "id"),
    stringProblem(message, "type"),
    senderProblem(message, source, isEcho),
  );
  if (problem !== undefined) {
    note(`${name()} not published: ${problem}`);
    return;
  }
  const type = str(message, "type");
  const contact = contactOf(message, source, isEcho);
  if (CHANGE_TYPES.has(type)) {
    try {
      const change = whatsAppMessageChange(message, id, contact, isEcho, ctx);
      if (change.ok) out.changes.push(change.change);
      else note(`${name()} not published: ${change.problem}`);
    } catch (err) {
      note(`${name()} not published: it could not be mapped (${errorText(err)})`);
    }
    return;
  }
  // A history media message first comes as a placeholder, then again under the same id with its
  // media: the placeholder gets a msgID of its own so that the second one is not a duplicate.
  const key = type === "media_placeholder" ? `${id}:placeholder` : id;
  const origin = {
    contact,
    isEcho,
    history: source.history,
    historyStatus: source.history ? str(obj(message, "history_context"), "status") : "",
  };
  try {
    out.messages.push({ msgId: key, event: whatsAppMessageReceived(message, id, key, origin, ctx) });
  } catch (err) {
    // A mapping bug must not cost the customer's message: it travels as unsupported, without
    // its JSON (the stored body has it), and the row says why.
    note(`message ${id} could not be mapped (${errorText(err)}); published as unsupported`);
    out.messages.push({ msgId: key, event: unmappedMessageReceived(message, id, key, origin, ctx) });
  }
}

/** What is wrong with the sender or the customer of an item, if anything. */
function senderProblem(message: JsonObject, source: ItemSource, isEcho: boolean): string | undefined {
  switch (source.role) {
    case "inbound":
      return eitherStringProblem(message, ["from", "from_user_id"]);
    case "echo":
      return eitherStringProblem(message, ["to", "to_user_id"]);
    case "history":
      // `from` tells the direction; the thread (or, failing it, the other party) the customer.
      return firstProblem(
        stringProblem(message, "from"),
        source.threadId !== "" || !isEcho ? undefined : stringProblem(message, "to"),
      );
  }
}

function contactOf(message: JsonObject, source: ItemSource, isEcho: boolean): ExternalContact {
  switch (source.role) {
    case "inbound":
      return mapWhatsAppContact(message, source.contacts);
    case "echo":
      return customerContact(str(message, "to"), str(message, "to_user_id"));
    case "history": {
      const customer = source.threadId || str(message, isEcho ? "to" : "from");
      // A thread is named by the customer's number; a business-scoped user id otherwise.
      return /^[0-9]+$/.test(customer) ? customerContact(customer, "") : customerContact("", customer);
    }
  }
}

/** The digits of a phone number as Meta writes it ("15550001111", or "+1 555-000-1111"). */
export function digitsOf(phone: string): string {
  return phone.replace(/[^0-9]/g, "");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
