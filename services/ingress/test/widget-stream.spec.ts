import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { MessageStatus } from "@atendo/proto/common/v1";
import { waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createWebChannel,
  identityHash,
  pageHeaders,
  playConversation,
  readStream,
  SHOP,
  startSession,
  text,
  type WidgetClient,
  widgetClient,
} from "./support/widget-kit.js";

describe("web-chat widget: a stream reconnecting with its cursor, across two ingress replicas", function () {
  this.timeout(60_000);
  let h: Harness;
  let replica: RunningService;
  let one: WidgetClient;
  let two: WidgetClient;

  before(async () => {
    h = await startHarness();
    replica = await start(h.ingressConfig(), { logger: h.logger });
    one = widgetClient(h.ingressUrl);
    two = widgetClient(`http://127.0.0.1:${replica.port}`);
  });

  after(async () => {
    await replica?.stop();
    await h?.stop();
  });

  it("gets what was sent while away exactly once, in order, wherever each message and stream was handled", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(one, channel, SHOP);
    const token = session.visitorToken;
    const send = (client: WidgetClient, body: string) =>
      client.sendMessage({ message: text(body) }, { headers: pageHeaders(SHOP, token) });

    // The stream on replica one hears sends handled by replica two (through the bus).
    const first = readStream(one, token);
    await waitFor(() => first.items.length >= 1, { message: "the first stream to open" });
    const m1 = await send(two, "m1");
    await send(one, "m2");
    await waitFor(() => first.messages().length >= 2, { message: "m1 and m2 on the first stream" });
    await first.stop();
    assert.deepEqual(first.messages(), ["m1", "m2"]);
    const last = first.items.at(-1);
    assert.ok(last?.event.case === "message");
    const cursor = last.event.value.cursor;

    // Away: two sends on both replicas, and the assistant's reply to the conversation.
    const conversation = await playConversation(h, channel, { id: m1.message?.id ?? "", body: "m1" });
    await send(one, "m3");
    await send(two, "m4");
    await conversation.reply("reply");
    // Stored before the reconnect (the history is the truth): both replicas' work is done.
    await waitFor(
      async () => (await one.listMessages({}, { headers: pageHeaders(SHOP, token) })).messages.length === 5,
      { message: "the reply stored" },
    );

    // Back, on the other replica, with the cursor; then live sends on both.
    const second = readStream(two, token, cursor);
    try {
      await waitFor(() => second.messages().length >= 3, { message: "what was sent while away" });
      await send(one, "m5");
      await send(two, "m6");
      await waitFor(() => second.messages().includes("m6"), { message: "the live sends" });
      assert.deepEqual(second.messages(), ["m3", "m4", "reply", "m5", "m6"]);
      const cursors = second.items.flatMap((i) => (i.event.case === "message" ? [i.event.value.cursor] : []));
      assert.equal(new Set(cursors).size, cursors.length, "no message twice");
    } finally {
      await second.stop();
    }
  });

  it("gets a status change made while away once, with the new status, when it resumes with its cursor", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(one, channel, SHOP);
    const token = session.visitorToken;
    const headers = pageHeaders(SHOP, token);
    const sent = await one.sendMessage({ message: text("hello") }, { headers });
    const conversation = await playConversation(h, channel, { id: sent.message?.id ?? "", body: "hello" });
    const replyId = randomUUID();
    await conversation.reply("hi there", replyId);

    // The first stream gets both messages, the reply as SENT, and goes away.
    const first = readStream(one, token, sent.message?.cursor ?? "");
    await waitFor(() => first.messages().includes("hi there"), { message: "the reply on the first stream" });
    await first.stop();
    const reply = first.items.flatMap((i) => (i.event.case === "message" ? [i.event.value] : [])).at(-1);
    assert.equal(reply?.status, MessageStatus.SENT);
    const cursor = reply?.cursor ?? "";

    // Away: the reply is delivered, then read; then the visitor writes again from another tab.
    await conversation.status(replyId, MessageStatus.DELIVERED);
    await conversation.status(replyId, MessageStatus.READ);
    await waitFor(
      async () =>
        (await one.listMessages({}, { headers })).messages.some(
          (m) => m.id === reply?.id && m.status === MessageStatus.READ,
        ),
      { message: "the READ status stored" },
    );
    // A late report (channels report out of order) must not take the status back, nor wake streams:
    // with it applied, the resume below would see DELIVERED, or the reply a third time.
    await conversation.status(replyId, MessageStatus.DELIVERED);
    await two.sendMessage({ message: text("again") }, { headers });

    // Back on the other replica with the cursor: the reply once, as READ, then the new message.
    const second = readStream(two, token, cursor);
    try {
      await waitFor(() => second.messages().includes("again"), { message: "what changed while away" });
      const got = second.items.flatMap((i) => (i.event.case === "message" ? [i.event.value] : []));
      assert.deepEqual(
        got.map((m) => [m.id, m.status]),
        [
          [reply?.id, MessageStatus.READ],
          [got[1]?.id, MessageStatus.UNSPECIFIED],
        ],
      );
      assert.notEqual(got[0]?.cursor, cursor, "a change takes a new cursor");
      // A live change reaches the open stream the same way, once.
      await conversation.status(replyId, MessageStatus.FAILED);
      await waitFor(
        () =>
          second.items.some(
            (i) => i.event.case === "message" && i.event.value.status === MessageStatus.FAILED,
          ),
        {
          message: "the live change",
        },
      );
      // The history after the first cursor agrees: each message once, with its latest status.
      const history = await one.listMessages({ anchor: { case: "afterCursor", value: cursor } }, { headers });
      assert.deepEqual(
        history.messages.map((m) => m.status),
        [MessageStatus.UNSPECIFIED, MessageStatus.FAILED],
      );
    } finally {
      await second.stop();
    }
    const replies = second.items.filter((i) => i.event.case === "message" && i.event.value.id === reply?.id);
    assert.equal(replies.length, 2, "the reply twice: READ on resume, FAILED live");
  });

  it("two visitors stream at once; one drops mid-stream and resumes elsewhere: each gets only its own thread, once", async () => {
    const channel = await createWebChannel(h, { identityVerification: true });
    const userId = `user-${randomUUID()}`;
    const proof = { userId, identityHash: identityHash(channel.identitySecret, userId) };
    // Ana is proven on two devices (one thread); Bia is anonymous.
    const anaPhone = await startSession(one, channel, SHOP, { visitor: proof });
    const anaLaptop = await startSession(two, channel, SHOP, { visitor: proof });
    assert.equal(anaLaptop.session?.visitorId, anaPhone.session?.visitorId);
    const bia = await startSession(two, channel, SHOP);
    const send = (client: WidgetClient, token: string, body: string) =>
      client.sendMessage({ message: text(body) }, { headers: pageHeaders(SHOP, token) });

    const anaFirst = readStream(one, anaPhone.visitorToken);
    const biaStream = readStream(two, bia.visitorToken);
    let anaSecond: ReturnType<typeof readStream> | undefined;
    try {
      await waitFor(() => anaFirst.items.length >= 1 && biaStream.items.length >= 1, {
        message: "both streams to open",
      });
      await send(one, anaPhone.visitorToken, "a1");
      await send(two, bia.visitorToken, "b1");
      await waitFor(() => anaFirst.messages().includes("a1"), { message: "a1 on Ana's stream" });
      // Ana's phone drops; Ana writes from the laptop and Bia goes on meanwhile.
      await anaFirst.stop();
      const last = anaFirst.items.filter((i) => i.event.case === "message").at(-1);
      assert.ok(last?.event.case === "message");
      await send(two, anaLaptop.visitorToken, "a2");
      await send(one, bia.visitorToken, "b2");
      await waitFor(() => biaStream.messages().includes("b2"), { message: "b2 on Bia's live stream" });
      // The phone is back, on the other replica, with its cursor.
      anaSecond = readStream(two, anaPhone.visitorToken, last.event.value.cursor);
      await waitFor(() => anaSecond?.messages().includes("a2") === true, { message: "a2 after the resume" });
      await send(one, anaLaptop.visitorToken, "a3");
      await send(two, bia.visitorToken, "b3");
      await waitFor(
        () => anaSecond?.messages().includes("a3") === true && biaStream.messages().includes("b3"),
        {
          message: "the live sends on both streams",
        },
      );
    } finally {
      await anaSecond?.stop();
      await biaStream.stop();
    }
    assert.deepEqual(anaFirst.messages(), ["a1"]);
    assert.deepEqual(anaSecond.messages(), ["a2", "a3"]);
    assert.deepEqual(biaStream.messages(), ["b1", "b2", "b3"]);
  });
});
