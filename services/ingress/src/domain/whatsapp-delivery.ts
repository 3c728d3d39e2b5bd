import { arr, asObject, type JsonObject, obj, parseJsonBody, str } from "./json-read.js";
import { emptySplit, type SplitDelivery } from "./split-delivery.js";
import { createAddressees } from "./whatsapp-addressee.js";
import type { DeliveryContext, SplitTarget } from "./whatsapp-delivery-context.js";
import { splitHistoryChange } from "./whatsapp-history.js";
import { splitMessageItem } from "./whatsapp-message-item.js";
import { splitStateSyncChange } from "./whatsapp-state-sync.js";
import { splitStatusItem } from "./whatsapp-status-item.js";

export type { DeliveryContext } from "./whatsapp-delivery-context.js";

const MAX_NOTES = 20;

/** The `changes[].field` values Atendo maps, each with what its `value` holds. */
const FIELDS: Readonly<Record<string, (value: JsonObject | undefined, target: SplitTarget) => void>> = {
  messages: splitMessagesChange,
  // WhatsApp coexistence (docs/meta-wire-format.md): what the business app does on the same number.
  smb_message_echoes: splitEchoesChange,
  history: splitHistoryChange,
  smb_app_state_sync: splitStateSyncChange,
};

/**
 * Splits a WhatsApp webhook body into its events (docs/meta-wire-format.md, rule 4): messages, echoes and
 * history as MessageReceived, statuses as StatusReceived, edits and revokes as
 * MessageChangeReceived, address-book changes as ContactSyncReceived, history chunks as
 * HistorySyncProgressed. Never throws on content: what cannot be used is explained in `notes`, a
 * delivery none of whose changes is for the channel's number is `ignored`, and every event fits
 * `maxEventBytes` and the contract's length limits (cut fields are listed in `clipped`).
 */
export function splitWhatsAppDelivery(body: Uint8Array, ctx: DeliveryContext): SplitDelivery {
  const out: SplitDelivery = emptySplit();
  const note = (text: string): void => {
    if (out.notes.length < MAX_NOTES) out.notes.push(text);
  };
  const target: SplitTarget = { ctx, out, note };
  const parsed = parseJsonBody(body);
  if (parsed === undefined) {
    note("body is not valid JSON");
    return out;
  }
  const root = asObject(parsed.value);
  if (root === undefined || str(root, "object") !== "whatsapp_business_account") {
    note("not a WhatsApp Business Account webhook");
    return out;
  }
  const entries = arr(root, "entry");
  if (entries.length === 0) note("no entry");
  const addressees = createAddressees(ctx.phoneNumberId);
  for (const e of entries) {
    const entry = asObject(e);
    for (const c of arr(entry, "changes")) {
      const change = asObject(c);
      const field = str(change, "field");
      const split = FIELDS[field];
      if (split === undefined) {
        note(`ignored field "${field}"`);
        continue;
      }
      const value = obj(change, "value");
      const phoneNumberId = str(obj(value, "metadata"), "phone_number_id");
      if (phoneNumberId !== ctx.phoneNumberId) {
        addressees.foreign(phoneNumberId, str(entry, "id"));
        note(`skipped a change for phone_number_id "${phoneNumberId}" (not this channel's number)`);
        continue;
      }
      addressees.ours();
      split(value, target);
    }
  }
  const ignored = addressees.ignoredReason();
  if (ignored !== undefined) out.ignored = ignored;
  return out;
}

/** `messages`: what customers sent (edits and revokes among them), and statuses of our sends. */
function splitMessagesChange(value: JsonObject | undefined, target: SplitTarget): void {
  const source = { role: "inbound", history: false, contacts: arr(value, "contacts") } as const;
  arr(value, "messages").forEach((m, i) => {
    splitMessageItem(m, () => `messages[${i}]`, source, target);
  });
  arr(value, "statuses").forEach((s, i) => {
    splitStatusItem(s, i, target);
  });
}

/** `smb_message_echoes`: what a person of the business wrote in the WhatsApp Business app. */
function splitEchoesChange(value: JsonObject | undefined, target: SplitTarget): void {
  arr(value, "message_echoes").forEach((m, i) => {
    splitMessageItem(m, () => `message_echoes[${i}]`, { role: "echo", history: false }, target);
  });
}
