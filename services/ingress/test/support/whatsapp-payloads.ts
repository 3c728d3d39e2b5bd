// Synthetic WhatsApp webhook bodies for the types the fixtures in packages/testing/fixtures do not cover, shaped as in
// docs/meta-wire-format.md (envelope, metadata, contacts, messages/statuses).

export const PHONE_NUMBER_ID = "109876543210001";
export const ANA = { wa_id: "5511987654321", profile: { name: "Ana Souza" } };

export interface ChangeInit {
  messages?: unknown[];
  statuses?: unknown[];
  contacts?: unknown[];
  /** Coexistence: `message_echoes`, `history` and `state_sync` of their fields. */
  echoes?: unknown[];
  history?: unknown[];
  stateSync?: unknown[];
  phoneNumberId?: string;
  field?: string;
}

/** A delivery with one entry holding the given changes. */
export function waBody(...changes: ChangeInit[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "200000000000001",
          changes: changes.map((c) => ({
            field: c.field ?? "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: {
                display_phone_number: "15550001111",
                phone_number_id: c.phoneNumberId ?? PHONE_NUMBER_ID,
              },
              ...(c.contacts === undefined ? {} : { contacts: c.contacts }),
              ...(c.messages === undefined ? {} : { messages: c.messages }),
              ...(c.statuses === undefined ? {} : { statuses: c.statuses }),
              ...(c.echoes === undefined ? {} : { message_echoes: c.echoes }),
              ...(c.history === undefined ? {} : { history: c.history }),
              ...(c.stateSync === undefined ? {} : { state_sync: c.stateSync }),
            },
          })),
        },
      ],
    }),
  );
}

let counter = 0;

/** A message from Ana of the given type with its type object. */
export function waMessage(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    from: ANA.wa_id,
    id: `wamid.SYNTHETIC${String(counter).padStart(6, "0")}`,
    timestamp: "1767225600",
    type,
    ...fields,
  };
}
