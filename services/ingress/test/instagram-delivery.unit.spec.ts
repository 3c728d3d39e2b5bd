import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  ActorKind,
  ChannelType,
  InteractiveReplyKind,
  MediaKind,
  MediaState,
  type Message,
  MessageStatus,
} from "@atendo/proto/common/v1";
import {
  MessageChangeKind,
  MessageChangeReceivedSchema,
  type MessageReceived,
  MessageReceivedSchema,
  StatusReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { fixturePath, readFixture } from "@atendo/testing";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import { type InstagramDeliveryContext, splitInstagramDelivery } from "../src/domain/instagram-delivery.js";
import { eventCount, type SplitDelivery } from "../src/domain/split-delivery.js";
import { TEST_DELIVERY_CONTEXT } from "./support/delivery-context.js";
import {
  ECHO_MID,
  FIRST_MID,
  IG_ACCOUNT,
  IG_CUSTOMER,
  igBody,
  igEvent,
  newMid,
  SECOND_MID,
} from "./support/instagram-payloads.js";

const { phoneNumberId: _, ...common } = TEST_DELIVERY_CONTEXT;
const ctx: InstagramDeliveryContext = { ...common, accountId: IG_ACCOUNT };

const split = (body: Buffer, context = ctx): SplitDelivery => splitInstagramDelivery(body, context);
const fixture = (name: string) => split(readFixture(`instagram/${name}`));

function only(s: SplitDelivery): MessageReceived {
  assert.equal(s.messages.length, 1, `expected one message, notes: ${s.notes.join("; ")}`);
  assert.equal(eventCount(s), 1, "and nothing else");
  const [m] = s.messages;
  assert.ok(m);
  assert.equal(m.msgId, m.event.externalMessageId, "a message's msgID is its external id");
  return m.event;
}

function content(event: MessageReceived): Message["content"] {
  assert.ok(event.message);
  return event.message.content;
}

function unsupported(event: MessageReceived): { originalType: string; rawJson: string } {
  const c = content(event);
  assert.equal(c.case, "unsupported");
  return c.value;
}

describe("splitInstagramDelivery: the shared fixtures", () => {
  it("two-messages: two text events, in order, from the customer, with ms timestamps", () => {
    const s = fixture("two-messages.json");
    assert.deepEqual(s.notes, []);
    assert.equal(s.ignored, undefined);
    assert.deepEqual(
      s.messages.map((m) => m.msgId),
      [FIRST_MID, SECOND_MID],
    );
    const [first, second] = s.messages.map((m) => m.event);
    assert.ok(first && second);
    assert.deepEqual(content(first), {
      case: "text",
      value: {
        $typeName: "atendo.common.v1.TextContent",
        body: "hi, is the blue one in stock?",
        previewUrl: false,
      },
    });
    const secondContent = content(second);
    assert.equal(secondContent.case === "text" && secondContent.value.body, "size M");
    assert.equal(first.channelType, ChannelType.INSTAGRAM);
    assert.equal(first.channelId, ctx.channelId);
    assert.equal(first.webhookEventId, ctx.webhookEventId);
    assert.equal(first.externalMessageId, FIRST_MID);
    assert.equal(first.contact?.externalId, IG_CUSTOMER);
    assert.equal(first.isEcho, false);
    assert.equal(first.stale, false);
    assert.equal(first.raw, "");
    // Instagram's timestamp is milliseconds (rule 7).
    assert.ok(first.sentAt && second.sentAt);
    assert.equal(timestampDate(first.sentAt).getTime(), 1767225600231);
    assert.equal(timestampDate(second.sentAt).getTime(), 1767225603512);
    assert.equal(first.meta?.actor?.kind, ActorKind.CONTACT);
    assert.equal(first.meta?.tenantId, ctx.tenantId);
    assert.equal(first.meta?.workspaceId, ctx.workspaceId);
    assert.equal(first.meta?.correlationId, ctx.webhookEventId);
    assert.notEqual(first.meta?.eventId, second.meta?.eventId);
  });

  it("echo: our own message, is_echo, the contact is the recipient, the actor the business", () => {
    const event = only(fixture("echo.json"));
    assert.equal(event.isEcho, true);
    assert.equal(event.contact?.externalId, IG_CUSTOMER);
    assert.equal(event.externalMessageId, ECHO_MID);
    assert.equal(event.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    const c = content(event);
    assert.equal(c.case === "text" && c.value.body, "Yes! Size M is available.");
  });

  it("image-story-reply: an image waiting to be fetched, replying to a story", () => {
    const event = only(fixture("image-story-reply.json"));
    const c = content(event);
    assert.equal(c.case, "media");
    assert.equal(c.value.kind, MediaKind.IMAGE);
    assert.equal(
      c.value.media?.url,
      "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001&signature=AbFakeSig",
    );
    assert.equal(c.value.media?.state, MediaState.PENDING);
    assert.equal(event.message?.context?.storyId, "17900000000000099");
    assert.equal(
      event.message?.context?.storyUrl,
      "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000099&signature=AbFakeSig2",
    );
    assert.equal(event.contact?.externalId, "6130000000000002");
  });

  it("read: a READ status of our message, keyed (mid, read)", () => {
    const s = fixture("read.json");
    assert.equal(eventCount(s), 1);
    const [status] = s.statuses;
    assert.ok(status);
    assert.equal(status.msgId, `${ECHO_MID}:read`);
    assert.equal(status.event.externalMessageId, ECHO_MID);
    assert.equal(status.event.status, MessageStatus.READ);
    assert.equal(status.event.recipientId, IG_CUSTOMER);
    assert.equal(status.event.channelType, ChannelType.INSTAGRAM);
    assert.ok(status.event.occurredAt);
    assert.equal(timestampDate(status.event.occurredAt).getTime(), 1767225800120);
  });
});

describe("splitInstagramDelivery: every event", () => {
  it("message_edit: an EDITED change of the message with the new text and the edit number", () => {
    const s = fixture("message-edit.json");
    assert.equal(eventCount(s), 1);
    const [change] = s.changes;
    assert.ok(change);
    assert.equal(change.msgId, `${FIRST_MID}:edit:1`);
    assert.equal(change.event.kind, MessageChangeKind.EDITED);
    assert.equal(change.event.targetExternalMessageId, FIRST_MID);
    assert.equal(change.event.editNumber, 1);
    const c = change.event.message?.content;
    assert.equal(c?.case === "text" && c.value.body, "hi, is the blue one in stock in size L?");
    assert.equal(change.event.contact?.externalId, IG_CUSTOMER);
    assert.equal(change.event.isEcho, false);
    assert.equal(change.event.channelType, ChannelType.INSTAGRAM);
  });

  it("a second edit of the same message is another event (its own msgID)", () => {
    const edit = (n: number) =>
      split(igBody([igEvent({ message_edit: { mid: FIRST_MID, text: `v${n}`, num_edit: n } })])).changes[0];
    assert.notEqual(edit(1)?.msgId, edit(2)?.msgId);
    assert.notEqual(edit(1)?.event.meta?.eventId, edit(2)?.event.meta?.eventId);
  });

  it("unsend (is_deleted): a DELETED change without content, keyed (mid, deleted)", () => {
    const s = fixture("unsend.json");
    assert.equal(eventCount(s), 1);
    const [change] = s.changes;
    assert.ok(change);
    assert.equal(change.msgId, `${SECOND_MID}:deleted`);
    assert.equal(change.event.kind, MessageChangeKind.DELETED);
    assert.equal(change.event.targetExternalMessageId, SECOND_MID);
    assert.equal(change.event.message, undefined);
  });

  it("reaction and unreact: reactions to our message, the removal with an empty emoji", () => {
    const react = only(fixture("reaction.json"));
    const unreact = only(fixture("unreact.json"));
    const r = content(react);
    const u = content(unreact);
    assert.equal(r.case, "reaction");
    assert.equal(u.case, "reaction");
    assert.equal(r.value.targetExternalMessageId, ECHO_MID);
    assert.equal(r.value.emoji, "\u2764\ufe0f");
    assert.equal(u.value.targetExternalMessageId, ECHO_MID);
    assert.equal(u.value.emoji, "");
    assert.notEqual(react.externalMessageId, unreact.externalMessageId);
    assert.ok(react.externalMessageId.startsWith(`${ECHO_MID}:react:`));
    assert.ok(unreact.externalMessageId.startsWith(`${ECHO_MID}:unreact:`));
  });

  it("postback: a POSTBACK interactive reply with its title and payload", () => {
    const c = content(only(fixture("postback.json")));
    assert.equal(c.case, "interactiveReply");
    assert.equal(c.value.kind, InteractiveReplyKind.POSTBACK);
    assert.equal(c.value.title, "Ver cat\u00e1logo");
    assert.equal(c.value.payload, "CATALOG");
  });

  it("quick reply: a QUICK_REPLY interactive reply whose title is the text", () => {
    const c = content(only(fixture("quick-reply.json")));
    assert.equal(c.case, "interactiveReply");
    assert.equal(c.value.kind, InteractiveReplyKind.QUICK_REPLY);
    assert.equal(c.value.title, "Tamanho M");
    assert.equal(c.value.payload, "SIZE_M");
  });

  it("a referral without a message: an unsupported 'referral' message carrying Message.referral", () => {
    const event = only(fixture("referral-without-message.json"));
    assert.equal(unsupported(event).originalType, "referral");
    assert.equal(event.message?.referral?.ref, "summer-sale");
    assert.equal(event.message?.referral?.sourceType, "SHORTLINK");
    assert.equal(event.externalMessageId, `referral:${IG_CUSTOMER}:1767226060200`);
  });

  it("a message with a referral: the text, and the ad it came from", () => {
    const event = only(fixture("message-with-referral.json"));
    const c = content(event);
    assert.equal(c.case === "text" && c.value.body, "Quero saber do an\u00fancio");
    const referral = event.message?.referral;
    assert.equal(referral?.ref, "ad-ref-42");
    assert.equal(referral?.sourceId, "120200000000000042");
    assert.equal(referral?.sourceType, "ADS");
    assert.equal(referral?.headline, "Summer sale");
    assert.equal(referral?.sourceUrl, "https://scontent.cdninstagram.com/v/ad-photo.jpg");
  });

  for (const [file, type, url] of [
    ["share.json", "share", "asset_id=17900000000000101"],
    ["story-mention.json", "story_mention", "asset_id=17900000000000102"],
    ["ig-reel.json", "ig_reel", "asset_id=17900000000000103"],
  ] as const) {
    it(`${type}: kept as unsupported '${type}' with the attachment's JSON`, () => {
      const event = only(fixture(file));
      const u = unsupported(event);
      assert.equal(u.originalType, type);
      assert.match(u.rawJson, new RegExp(url));
      assert.equal(event.raw, u.rawJson);
    });
  }

  it("several attachments: the text as <mid>, then each attachment in order as <mid>#1, #2, ...", () => {
    const s = fixture("several-attachments.json");
    assert.deepEqual(s.notes, []);
    const mid = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjQXR0ZDZD";
    assert.deepEqual(
      s.messages.map((m) => m.msgId),
      [mid, `${mid}#1`, `${mid}#2`, `${mid}#3`, `${mid}#4`],
    );
    const [text, ...media] = s.messages.map((m) => content(m.event));
    assert.equal(text?.case === "text" && text.value.body, "these three, please");
    assert.deepEqual(
      media.map((c) => (c.case === "media" ? [c.value.kind, c.value.media?.state] : c.case)),
      [
        [MediaKind.IMAGE, MediaState.PENDING],
        [MediaKind.VIDEO, MediaState.PENDING],
        [MediaKind.AUDIO, MediaState.PENDING],
        [MediaKind.DOCUMENT, MediaState.PENDING],
      ],
    );
    assert.equal(new Set(s.messages.map((m) => m.event.meta?.eventId)).size, 5, "each part its own event id");
  });

  it("is_unsupported: an unsupported 'unsupported' message", () => {
    assert.equal(unsupported(only(fixture("unsupported.json"))).originalType, "unsupported");
  });

  it("reply_to.mid: the quoted message in the context", () => {
    assert.equal(only(fixture("reply-to-message.json")).message?.context?.quotedExternalMessageId, FIRST_MID);
  });

  it("an event of a kind Atendo does not know: unsupported, named after its payload", () => {
    const event = only(split(igBody([igEvent({ optin: { ref: "x" } })])));
    assert.equal(unsupported(event).originalType, "optin");
    assert.match(event.raw, /"optin"/);
  });

  it("an echo's edit and reaction are the business's (is_echo, the contact is the recipient)", () => {
    const s = split(
      igBody([
        igEvent(
          { message_edit: { mid: ECHO_MID, text: "Size M and L", num_edit: 1 } },
          { sender: IG_ACCOUNT, recipient: IG_CUSTOMER },
        ),
        igEvent(
          { reaction: { mid: FIRST_MID, action: "react", emoji: "\ud83d\udc4d" } },
          { sender: IG_ACCOUNT, recipient: IG_CUSTOMER },
        ),
      ]),
    );
    assert.equal(s.changes[0]?.event.isEcho, true);
    assert.equal(s.changes[0]?.event.contact?.externalId, IG_CUSTOMER);
    assert.equal(s.changes[0]?.event.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    assert.equal(s.messages[0]?.event.isEcho, true);
    assert.equal(s.messages[0]?.event.contact?.externalId, IG_CUSTOMER);
  });
});

describe("splitInstagramDelivery: accounts and the dashboard's test shape", () => {
  it("the dashboard's sample (changes[], placeholder ids): ignored, with the reason", () => {
    const s = fixture("dashboard-test.json");
    assert.equal(eventCount(s), 0);
    assert.match(s.ignored ?? "", /another Instagram account \("0"\)/);
  });

  it("the dashboard's shape with our ids: mapped like messaging[], a seconds timestamp read as seconds", () => {
    const body = Buffer.from(
      readFixture("instagram/dashboard-test.json")
        .toString("utf8")
        .replace('"id": "0"', `"id": "${IG_ACCOUNT}"`)
        .replace('"12334"', `"${IG_CUSTOMER}"`)
        .replace('"23245"', `"${IG_ACCOUNT}"`),
    );
    const event = only(split(body));
    assert.equal(event.externalMessageId, "random_mid");
    assert.equal(event.contact?.externalId, IG_CUSTOMER);
    assert.ok(event.sentAt);
    assert.equal(timestampDate(event.sentAt).getTime(), 1527459824_000);
    assert.equal(event.stale, true, "years before it arrived");
  });

  it("another account's delivery: nothing published, ignored naming that account", () => {
    const s = fixture("another-account.json");
    assert.equal(eventCount(s), 0);
    assert.match(s.ignored ?? "", /"17841400000000999"/);
    assert.match(s.ignored ?? "", new RegExp(IG_ACCOUNT));
  });

  it("a delivery with ours and another account's: ours is published, the other one noted, not ignored", () => {
    const mine = igEvent({ message: { mid: newMid(), text: "mine" } });
    const theirs = igEvent(
      { message: { mid: newMid(), text: "theirs" } },
      { recipient: "17841400000000999" },
    );
    const s = split(igBody([mine, theirs]));
    assert.equal(s.messages.length, 1);
    assert.equal(s.ignored, undefined);
    assert.match(s.notes.join("; "), /"17841400000000999"/);
  });
});

describe("splitInstagramDelivery: whatever the body", () => {
  it("every event of every Instagram fixture passes the contract's validation", () => {
    const validator = createValidator();
    const check = <D extends DescMessage>(schema: D, event: MessageShape<D>, what: string) => {
      const result = validator.validate(schema, event);
      assert.equal(result.kind, "valid", `${what}: ${result.kind === "invalid" ? result.error.message : ""}`);
    };
    const files = readdirSync(dirname(fixturePath("instagram/echo.json")));
    assert.ok(files.length >= 20);
    for (const file of files) {
      const s = fixture(file);
      for (const m of s.messages) check(MessageReceivedSchema, m.event, `${file} ${m.msgId}`);
      for (const c of s.changes) check(MessageChangeReceivedSchema, c.event, `${file} ${c.msgId}`);
      for (const st of s.statuses) check(StatusReceivedSchema, st.event, `${file} ${st.msgId}`);
    }
  });

  it("never throws: not JSON, another object, wrong types, missing ids; each noted", () => {
    const bodies = [
      "not json",
      '{"object":"whatsapp_business_account","entry":[]}',
      '{"object":"instagram"}',
      '{"object":"instagram","entry":"x"}',
      '{"object":"instagram","entry":[null,1,"x",{"id":17841400000000001,"messaging":{}}]}',
      `{"object":"instagram","entry":[{"id":"${IG_ACCOUNT}","messaging":[1,null,{"sender":{"id":7},"recipient":{"id":"${IG_ACCOUNT}"},"message":{"mid":5,"text":["x"],"attachments":"y","reply_to":7}}]}]}`,
      `{"object":"instagram","entry":[{"id":"${IG_ACCOUNT}","messaging":[{"recipient":{"id":"${IG_ACCOUNT}"},"message":{"mid":"m1","text":"no sender"}}]}]}`,
      `{"object":"instagram","entry":[{"id":"${IG_ACCOUNT}","messaging":[{"sender":{"id":"1"},"recipient":{"id":"${IG_ACCOUNT}"},"message":{"text":"no mid"}},{"sender":{"id":"1"},"recipient":{"id":"${IG_ACCOUNT}"},"reaction":{"action":"react"}},{"sender":{"id":"1"},"recipient":{"id":"${IG_ACCOUNT}"},"read":{}}]}]}`,
    ];
    for (const body of bodies) {
      const s = split(Buffer.from(body));
      assert.ok(s.notes.length > 0 || eventCount(s) > 0, `${body}: said something`);
      for (const m of s.messages)
        assert.notEqual(m.event.contact?.externalId, "", "never a message without a sender");
    }
    assert.deepEqual(split(Buffer.from("not json")).notes, ["body is not valid JSON"]);
    assert.match(split(Buffer.from(bodies[6] ?? "")).notes.join(), /without the customer's id/);
  });

  it("an attachment whose URL the contract would refuse is kept as unsupported", () => {
    const mid = newMid();
    const s = split(
      igBody([
        igEvent({
          message: {
            mid,
            attachments: [
              { type: "image", payload: { url: "not a url" } },
              { type: "image", payload: {} },
              { type: "image", payload: { url: `https://cdn.example/${"a".repeat(3000)}` } },
            ],
          },
        }),
      ]),
    );
    assert.deepEqual(
      s.messages.map((m) => [m.msgId, m.event.message?.content.case]),
      [
        [mid, "unsupported"],
        [`${mid}#1`, "unsupported"],
        [`${mid}#2`, "unsupported"],
      ],
    );
  });

  it("a message without a timestamp takes the entry's time; an old one is stale", () => {
    const mid = newMid();
    const body = Buffer.from(
      JSON.stringify({
        object: "instagram",
        entry: [
          {
            id: IG_ACCOUNT,
            time: 1767225600512,
            messaging: [
              { sender: { id: IG_CUSTOMER }, recipient: { id: IG_ACCOUNT }, message: { mid, text: "hi" } },
            ],
          },
        ],
      }),
    );
    const event = only(split(body));
    assert.ok(event.sentAt);
    assert.equal(timestampDate(event.sentAt).getTime(), 1767225600512);
    const late = only(split(body, { ...ctx, receivedAt: new Date(1767225600512 + 25 * 3600_000) }));
    assert.equal(late.stale, true);
  });

  it("a text over the contract's 4096 characters is cut and says so", () => {
    const event = only(split(igBody([igEvent({ message: { mid: newMid(), text: "x".repeat(5000) } })])));
    const c = content(event);
    assert.equal(c.case === "text" && c.value.body.length, 4096);
    assert.deepEqual(
      event.clipped.map((x) => x.path),
      ["message.text.body"],
    );
  });

  it("the same body splits the same way every time: msgIDs and event ids (dedupe across retries)", () => {
    const a = fixture("several-attachments.json");
    const b = fixture("several-attachments.json");
    assert.deepEqual(
      a.messages.map((m) => [m.msgId, m.event.meta?.eventId]),
      b.messages.map((m) => [m.msgId, m.event.meta?.eventId]),
    );
  });
});
