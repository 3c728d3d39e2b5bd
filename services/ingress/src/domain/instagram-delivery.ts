import { type InstagramDeliveryContext, type InstagramFact, instagramTimeMs } from "./instagram-envelope.js";
import { splitMessagingEvent } from "./instagram-messaging.js";
import { arr, asObject, type JsonObject, obj, parseJsonBody, str } from "./json-read.js";
import { emptySplit, type SplitDelivery } from "./split-delivery.js";

export type { InstagramDeliveryContext } from "./instagram-envelope.js";

const MAX_NOTES = 20;
// How many foreign account ids the ignored reason names.
const MAX_NAMED = 3;

/**
 * Splits an Instagram webhook body (docs/instagram.md) into its events: every `entry[]`, and in each
 * every `messaging[]` event, or the dashboard's test shape `changes[{field: "messages", value}]`.
 * Events of another account are skipped; when nothing in the delivery is this account's, the split
 * says so in `ignored`. Never throws on content: what cannot be used is explained in `notes`.
 */
export function splitInstagramDelivery(body: Uint8Array, ctx: InstagramDeliveryContext): SplitDelivery {
  const out = emptySplit();
  const note = (text: string): void => {
    if (out.notes.length < MAX_NOTES) out.notes.push(text);
  };
  const parsed = parseJsonBody(body);
  if (parsed === undefined) {
    note("body is not valid JSON");
    return out;
  }
  const root = asObject(parsed.value);
  if (root === undefined || str(root, "object") !== "instagram") {
    note("not an Instagram webhook");
    return out;
  }
  const entries = arr(root, "entry");
  if (entries.length === 0) note("no entry");
  let ours = 0;
  const foreign = new Set<string>();
  for (const e of entries) {
    const entry = asObject(e);
    const entryId = str(entry, "id");
    const events = eventsOf(entry, note);
    if (entryId !== "" && entryId !== ctx.accountId) {
      foreign.add(entryId);
      note(`skipped an entry for account "${entryId}" (not this channel's account)`);
      continue;
    }
    const entryMs = instagramTimeMs(entry?.time);
    for (const event of events) {
      const fact = factOf(event, entryId, entryMs, ctx);
      if (fact === undefined) {
        const other = str(obj(event, "recipient"), "id");
        if (other !== "" && other !== ctx.accountId && str(obj(event, "sender"), "id") !== ctx.accountId) {
          foreign.add(other);
          note(`skipped an event for account "${other}" (not this channel's account)`);
        } else {
          ours++;
          note("skipped an event without the customer's id");
        }
        continue;
      }
      ours++;
      try {
        splitMessagingEvent(event, fact, { ctx, out, note });
      } catch (err) {
        // A mapping bug must not fail the delivery: the row says which event, the body keeps it.
        note(`an event could not be mapped (${err instanceof Error ? err.message : String(err)}); skipped`);
      }
    }
  }
  if (ours === 0 && foreign.size > 0) {
    const named = [...foreign].slice(0, MAX_NAMED).map((id) => `"${id}"`);
    out.ignored = `for another Instagram account (${named.join(", ")}${foreign.size > MAX_NAMED ? ", ..." : ""}), not this channel's "${ctx.accountId}"`;
  }
  return out;
}

/** The events of an entry: `messaging[]`, or the `value` of each `changes[]` of field "messages". */
function eventsOf(entry: JsonObject | undefined, note: (text: string) => void): JsonObject[] {
  const events: JsonObject[] = [];
  for (const m of arr(entry, "messaging")) {
    const event = asObject(m);
    if (event === undefined) note("skipped a messaging event that is not an object");
    else events.push(event);
  }
  for (const c of arr(entry, "changes")) {
    const change = asObject(c);
    const field = str(change, "field");
    const value = obj(change, "value");
    if (field !== "messages") note(`ignored field "${field}"`);
    else if (value === undefined) note("skipped a change without value");
    else events.push(value);
  }
  return events;
}

/**
 * Who an event is between. Our account is the sender of an echo (the customer is the recipient) and
 * the recipient of anything else (the customer is the sender); an entry of our account vouches for
 * an event that names no recipient. Undefined when it is not ours or names no customer.
 */
function factOf(
  event: JsonObject,
  entryId: string,
  entryMs: number | undefined,
  ctx: InstagramDeliveryContext,
): InstagramFact | undefined {
  const sender = str(obj(event, "sender"), "id");
  const recipient = str(obj(event, "recipient"), "id");
  const timeMs = instagramTimeMs(event.timestamp) ?? entryMs ?? ctx.receivedAt.getTime();
  if (sender === ctx.accountId) {
    return recipient === "" ? undefined : { contactId: recipient, isEcho: true, timeMs };
  }
  const toUs = recipient === ctx.accountId || (recipient === "" && entryId === ctx.accountId);
  if (!toUs || sender === "") return undefined;
  return { contactId: sender, isEcho: false, timeMs };
}
