// Instagram webhook bodies for the unit and HTTP tests, shaped as in docs/instagram.md: the ids of
// packages/testing/fixtures/instagram (README there) and helpers for synthetic events.

export const IG_ACCOUNT = "17841400000000001";
export const IG_CUSTOMER = "6130000000000001";
export const IG_OTHER_CUSTOMER = "6130000000000002";
/** The mid of the echo fixture (our own message), which reaction.json and read.json name. */
export const ECHO_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjBvdXQxZDZD";
/** The mids of two-messages.json. */
export const FIRST_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjAwMQZDZD";
export const SECOND_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjAwMgZDZD";

let counter = 0;

/** A fresh mid, so each test owns its messages (JetStream dedupes by them). */
export function newMid(): string {
  counter++;
  return `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjU${Date.now().toString(36)}${counter}`;
}

/** One messaging event from the customer to the account (override sender/recipient for others). */
export function igEvent(
  payload: Record<string, unknown>,
  init: { sender?: string; recipient?: string; timestamp?: unknown } = {},
) {
  return {
    sender: { id: init.sender ?? IG_CUSTOMER },
    recipient: { id: init.recipient ?? IG_ACCOUNT },
    timestamp: init.timestamp ?? 1767225600231,
    ...payload,
  };
}

/** A delivery with one entry per event (Meta batches that way), for `account`. */
export function igBody(events: unknown[], account = IG_ACCOUNT): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: "instagram",
      entry: events.map((e) => ({ id: account, time: 1767225600512, messaging: [e] })),
    }),
  );
}

/** A text message with its own mid. */
export function igText(text: string, init: { sender?: string; recipient?: string } = {}) {
  const mid = newMid();
  return { mid, event: igEvent({ message: { mid, text } }, init) };
}
