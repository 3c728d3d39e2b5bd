import { MessageChangeKind } from "@atendo/proto/ingress/v1";
import {
  type InstagramContent,
  mapAttachment,
  mapPostback,
  mapReferral,
  mapReplyTo,
  mapTextOrQuickReply,
  rawJsonOf,
  unsupportedContent,
} from "./instagram-content.js";
import {
  changeReceived,
  type InstagramDeliveryContext,
  type InstagramFact,
  messageReceived,
  readReceived,
} from "./instagram-envelope.js";
import { arr, bool, type JsonObject, num, obj, str } from "./json-read.js";
import type { SplitDelivery } from "./split-delivery.js";

/** Where the events of a delivery go, and what could not become one. */
export interface Sink {
  ctx: InstagramDeliveryContext;
  out: SplitDelivery;
  note: (text: string) => void;
}

// The keys of a messaging event around its one payload.
const ENVELOPE_KEYS = new Set(["sender", "recipient", "timestamp"]);

/**
 * Maps one `messaging[]` event of our account (docs/instagram.md) into the split: messages (one
 * event per part), postbacks, reactions and referrals as MessageReceived, edits and unsends as
 * MessageChangeReceived, reads as StatusReceived; any other event as an `unsupported` message.
 * What cannot become an event is said in a note.
 */
export function splitMessagingEvent(event: JsonObject, fact: InstagramFact, sink: Sink): void {
  for (const [key, split] of KINDS) {
    const payload = obj(event, key);
    if (payload !== undefined) {
      split(payload, fact, sink);
      return;
    }
  }
  // Anything new (docs/meta-wire-format.md, rule 8): an unsupported message named after its payload's key.
  const kind = Object.keys(event).find((k) => !ENVELOPE_KEYS.has(k)) ?? "unknown";
  sink.out.messages.push(
    unsupportedMessage(event, kind, `${kind}:${fact.contactId}:${fact.timeMs}`, fact, sink.ctx),
  );
}

type KindSplitter = (payload: JsonObject, fact: InstagramFact, sink: Sink) => void;

function splitEdit(edit: JsonObject, fact: InstagramFact, { ctx, out, note }: Sink): void {
  const mid = str(edit, "mid");
  if (mid === "") {
    note("skipped a message_edit without mid");
    return;
  }
  const counter = num(edit, "num_edit");
  const n =
    counter !== undefined && Number.isInteger(counter) && counter > 0 && counter <= 0x7fffffff ? counter : 0;
  out.changes.push(
    changeReceived(ctx, fact, {
      target: mid,
      kind: MessageChangeKind.EDITED,
      // Without a counter the edit's time tells edits apart.
      msgId: `${mid}:edit:${n === 0 ? `t${fact.timeMs}` : n}`,
      text: str(edit, "text"),
      editNumber: n,
    }),
  );
}

function splitPostback(postback: JsonObject, fact: InstagramFact, { ctx, out }: Sink): void {
  const mid = str(postback, "mid");
  const id = mid === "" ? `postback:${fact.contactId}:${fact.timeMs}` : mid;
  out.messages.push(
    messageReceived(ctx, fact, {
      externalMessageId: id,
      msgId: id,
      message: { content: mapPostback(postback) },
    }),
  );
}

function splitRead(read: JsonObject, fact: InstagramFact, { ctx, out, note }: Sink): void {
  const mid = str(read, "mid");
  if (mid === "") {
    note("skipped a read without mid");
    return;
  }
  // Our account reading the customer's message says nothing about a message we sent.
  if (fact.isEcho) {
    note(`skipped a read of ${mid} by our own account`);
    return;
  }
  out.statuses.push(readReceived(ctx, fact, mid));
}

/** A referral without a message (an ig.me link or an ad opened the thread): kept, never answered. */
function splitReferral(referral: JsonObject, fact: InstagramFact, { ctx, out }: Sink): void {
  const id = `referral:${fact.contactId}:${fact.timeMs}`;
  const mapped = mapReferral(referral);
  out.messages.push(
    messageReceived(ctx, fact, {
      externalMessageId: id,
      msgId: id,
      message: {
        content: unsupportedContent("referral", referral),
        ...(mapped === undefined ? {} : { referral: mapped }),
      },
    }),
  );
}

function splitMessage(message: JsonObject, fact: InstagramFact, { ctx, out, note }: Sink): void {
  const mid = str(message, "mid");
  if (mid === "") {
    note("skipped a message without mid");
    return;
  }
  if (bool(message, "is_deleted")) {
    out.changes.push(
      changeReceived(ctx, fact, { target: mid, kind: MessageChangeKind.DELETED, msgId: `${mid}:deleted` }),
    );
    return;
  }
  if (bool(message, "is_unsupported")) {
    out.messages.push(unsupportedMessage(message, "unsupported", mid, fact, ctx));
    return;
  }
  // The text (or quick reply) first, then each attachment in order: `<mid>`, `<mid>#1`, `<mid>#2`.
  const parts: InstagramContent[] = [];
  const text = mapTextOrQuickReply(message);
  if (text !== undefined) parts.push(text);
  for (const attachment of arr(message, "attachments")) parts.push(mapAttachment(attachment));
  if (parts.length === 0) {
    out.messages.push(unsupportedMessage(message, "message", mid, fact, ctx));
    return;
  }
  // Quoting and the referral travel with the first part.
  const context = mapReplyTo(message);
  const referral = mapReferral(obj(message, "referral"));
  parts.forEach((content, i) => {
    const id = i === 0 ? mid : `${mid}#${i}`;
    out.messages.push(
      messageReceived(ctx, fact, {
        externalMessageId: id,
        msgId: id,
        message: {
          content,
          ...(i === 0 && context !== undefined ? { context } : {}),
          ...(i === 0 && referral !== undefined ? { referral } : {}),
        },
        raw: content.case === "unsupported" ? content.value.rawJson : "",
      }),
    );
  });
}

function splitReaction(reaction: JsonObject, fact: InstagramFact, { ctx, out, note }: Sink): void {
  const mid = str(reaction, "mid");
  if (mid === "") {
    note("skipped a reaction without mid");
    return;
  }
  const action = str(reaction, "action") === "unreact" ? "unreact" : "react";
  // An unreact removes the reaction: an empty emoji says so. A react without its emoji keeps the
  // reaction's name ("love").
  const emoji = action === "unreact" ? "" : str(reaction, "emoji") || str(reaction, "reaction") || "?";
  // The reaction has no id of its own: the target, the action and its time identify it.
  const id = `${mid}:${action}:${fact.isEcho ? "business" : fact.contactId}:${fact.timeMs}`;
  out.messages.push(
    messageReceived(ctx, fact, {
      externalMessageId: id,
      msgId: id,
      message: { content: { case: "reaction", value: { targetExternalMessageId: mid, emoji } } },
    }),
  );
}

/** What Atendo does not model, kept whole as `unsupported` (the JSON also in `raw`). */
function unsupportedMessage(
  json: JsonObject,
  originalType: string,
  id: string,
  fact: InstagramFact,
  ctx: InstagramDeliveryContext,
) {
  const raw = rawJsonOf(json);
  return messageReceived(ctx, fact, {
    externalMessageId: id,
    msgId: id,
    message: { content: unsupportedContent(originalType, json) },
    raw: raw ?? "",
    // JSON too deeply nested to serialise: said, and the stored body keeps it.
    clips:
      raw === undefined
        ? [
            { path: "raw", originalBytes: 0 },
            { path: "message.unsupported.raw_json", originalBytes: 0 },
          ]
        : [],
  });
}

// Each messaging event carries one of these (docs/instagram.md); the first found is mapped.
const KINDS: ReadonlyArray<readonly [string, KindSplitter]> = [
  ["message", splitMessage],
  ["message_edit", splitEdit],
  ["reaction", splitReaction],
  ["postback", splitPostback],
  ["read", splitRead],
  ["referral", splitReferral],
];
