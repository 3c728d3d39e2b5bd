import { type ExternalContact, ExternalContactSchema } from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { asObject, type JsonObject, obj, str } from "./json-read.js";

/**
 * The sender of a message from `value.contacts[]`. The entry is matched on `wa_id` (or `user_id`)
 * against the message's `from`; newer webhooks may omit `wa_id` and identify the customer by the
 * business-scoped `user_id` only. Without a matching entry the message's own ids are used.
 */
export function mapWhatsAppContact(message: JsonObject, contacts: readonly unknown[]): ExternalContact {
  const from = str(message, "from");
  const fromUserId = str(message, "from_user_id");
  const entry = findContact(contacts, from, fromUserId);
  const profile = obj(entry, "profile");
  const waId = str(entry, "wa_id") || (entry === undefined ? from : "");
  const userId = str(entry, "user_id") || fromUserId;
  return create(ExternalContactSchema, {
    externalId: waId || userId || from,
    waId,
    userId,
    displayName: str(profile, "name"),
    username: str(profile, "username"),
    phone: phoneOf(waId),
  });
}

/**
 * The customer of a message the business sent (a coexistence echo: `to`, or `to_user_id` when `to`
 * is "") or of a history thread (its `id`). Echoes carry no profile name.
 */
export function customerContact(waId: string, userId: string): ExternalContact {
  return create(ExternalContactSchema, {
    externalId: waId || userId,
    waId,
    userId,
    phone: phoneOf(waId),
  });
}

function phoneOf(waId: string): string {
  return /^[1-9][0-9]{6,14}$/.test(waId) ? `+${waId}` : "";
}

function findContact(contacts: readonly unknown[], from: string, fromUserId: string): JsonObject | undefined {
  const entries = contacts.map(asObject).filter((c): c is JsonObject => c !== undefined);
  const matched = entries.find(
    (c) =>
      (from !== "" && (str(c, "wa_id") === from || str(c, "user_id") === from)) ||
      (fromUserId !== "" && str(c, "user_id") === fromUserId),
  );
  // One contact and one sender is the usual shape even when the ids are spelled differently.
  return matched ?? (entries.length === 1 ? entries[0] : undefined);
}
