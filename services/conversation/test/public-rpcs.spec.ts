import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { MessageSchema } from "@atendo/proto/common/v1";
import {
  ConversationHandler,
  type ConversationMessage,
  ConversationStatus,
} from "@atendo/proto/conversation/v1";
import {
  MessageChangeKind,
  MessageChangeReceivedSchema,
  MessageReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { Plan } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, type Owner } from "@atendo/testing";
import { toBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { messagesWhen, theConversation } from "./support/db.js";
import {
  bodyOf,
  type Customer,
  messageChanged,
  messageReceived,
  newCustomer,
  text,
} from "./support/events.js";
import { type Clients, type Harness, startConversation } from "./support/harness.js";

const hasCode = (code: Code) => (err: unknown) => err instanceof ConnectError && err.code === code;
const hasReason = (code: Code, reason: string) => (err: unknown) =>
  err instanceof ConnectError && err.code === code && errorInfoOf(err)?.reason === reason;
const bodies = (messages: ConversationMessage[]) =>
  messages.map((m) => (m.message?.content.case === "text" ? m.message.content.value.body : ""));

describe("public RPCs (as the workspace's owner)", () => {
  let h: Harness;
  let owner: Owner<Clients>;
  let workspaceId: string;
  let tenantId: string;
  let rpc: Clients["conversations"];
  const customers: Customer[] = [];
  const conversationIds: string[] = [];

  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "60000" }, { withTenant: true });
    // PRO: the tests open more workspaces than the free plan's one.
    owner = await h.identity.signUpOwner({ plan: Plan.PRO });
    tenantId = owner.tenantId;
    workspaceId = owner.workspaceId;
    rpc = owner.clients.conversations;

    // Three conversations, oldest activity first; the second is handled by a person (echo).
    const base = Date.now() - 3_600_000;
    for (const [i, name] of ["Ana", "Bruno", "Carla"].entries()) {
      const c = newCustomer({ tenantId, workspaceId });
      customers.push(c);
      await h.bus.publish(
        MessageReceivedSchema,
        messageReceived(c, {
          body: `hello from ${name}`,
          displayName: name,
          sentAt: new Date(base + i * 60_000),
        }),
      );
      conversationIds.push((await theConversation(c.channelId)).id);
    }
    const bruno = customers[1];
    assert.ok(bruno);
    await h.bus.publish(
      MessageReceivedSchema,
      messageReceived(bruno, {
        body: "Bruno, this is Paulo",
        isEcho: true,
        sentAt: new Date(base + 180_000),
      }),
    );
    await theConversation(bruno.channelId, (row) => row.handler === "HUMAN");
    const ana = customers[0];
    assert.ok(ana);
    for (const [i, body] of ["second", "third"].entries()) {
      await h.bus.publish(
        MessageReceivedSchema,
        messageReceived(ana, { body, displayName: "Ana", sentAt: new Date(base + 1_000 + i * 1_000) }),
      );
    }
    await messagesWhen(ana.channelId, (r) => r.length === 3);
  });
  after(async () => {
    await h?.stop();
  });

  it("GetConversation returns the conversation with its contact", async () => {
    const { conversation } = await rpc.getConversation({
      workspaceId,
      conversationId: conversationIds[1] ?? "",
    });
    assert.equal(conversation?.tenantId, tenantId);
    assert.equal(conversation?.workspaceId, workspaceId);
    assert.equal(conversation?.contact?.name, "Bruno");
    assert.equal(conversation?.handler, ConversationHandler.HUMAN);
    assert.equal(conversation?.status, ConversationStatus.OPEN);
    assert.equal(conversation?.lastMessagePreview, "Bruno, this is Paulo");
    assert.equal(conversation?.unreadCount, 1);
  });

  it("GetConversation answers not_found outside the workspace and for an unknown workspace", async () => {
    const { workspace: other } = await owner.clients.tenants.createWorkspace({ tenantId, name: "Other" });
    await assert.rejects(
      rpc.getConversation({
        workspaceId: other?.id ?? "",
        conversationId: conversationIds[0] ?? "",
      }),
      hasCode(Code.NotFound),
    );
    await assert.rejects(
      rpc.getConversation({ workspaceId: newId(), conversationId: conversationIds[0] ?? "" }),
      hasCode(Code.NotFound),
    );
    // The reason a client branches on, with what was not found.
    const err = await rpc.getConversation({ workspaceId, conversationId: newId() }).then(
      () => assert.fail("found"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(errorInfoOf(err)?.reason, "NOT_FOUND");
    assert.equal(errorInfoOf(err)?.metadata.resource, "conversation");
  });

  it("ListConversations pages by last activity, newest first", async () => {
    const first = await rpc.listConversations({ workspaceId, pageSize: 2 });
    // Bruno's echo came last, then Carla, then Ana.
    assert.deepEqual(
      first.conversations.map((c) => c.contact?.name),
      ["Bruno", "Carla"],
    );
    assert.notEqual(first.nextPageToken, "");
    const second = await rpc.listConversations({
      workspaceId,
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    assert.deepEqual(
      second.conversations.map((c) => c.contact?.name),
      ["Ana"],
    );
    assert.equal(second.nextPageToken, "");
  });

  it("ListConversations filters by handler, status and text", async () => {
    const human = await rpc.listConversations({
      workspaceId,
      handler: ConversationHandler.HUMAN,
    });
    assert.deepEqual(
      human.conversations.map((c) => c.id),
      [conversationIds[1]],
    );
    const ai = await rpc.listConversations({ workspaceId, handler: ConversationHandler.AI });
    assert.deepEqual(
      new Set(ai.conversations.map((c) => c.id)),
      new Set([conversationIds[0], conversationIds[2]]),
    );
    const pending = await rpc.listConversations({
      workspaceId,
      statuses: [ConversationStatus.PENDING_HUMAN, ConversationStatus.RESOLVED],
    });
    assert.equal(pending.conversations.length, 0);
    const byName = await rpc.listConversations({ workspaceId, query: "carl" });
    assert.deepEqual(
      byName.conversations.map((c) => c.id),
      [conversationIds[2]],
    );
    const byText = await rpc.listConversations({ workspaceId, query: "third" });
    assert.deepEqual(
      byText.conversations.map((c) => c.id),
      [conversationIds[0]],
    );
    const literal = await rpc.listConversations({ workspaceId, query: "%" });
    assert.equal(literal.conversations.length, 0, "% is matched literally");
  });

  it("ListConversations rejects a page token it did not issue, or issued for other filters", async () => {
    const invalidToken = hasReason(Code.InvalidArgument, "INVALID_PAGE_TOKEN");
    await assert.rejects(rpc.listConversations({ workspaceId, pageToken: "not-a-token" }), invalidToken);
    const { nextPageToken } = await rpc.listConversations({ workspaceId, pageSize: 1 });
    assert.notEqual(nextPageToken, "");
    await assert.rejects(
      rpc.listConversations({ workspaceId, pageToken: nextPageToken, handler: ConversationHandler.AI }),
      invalidToken,
    );
    await assert.rejects(
      rpc.listConversations({ workspaceId, pageToken: nextPageToken, query: "ana" }),
      invalidToken,
    );
    // A token of another list.
    const messages = await rpc.listMessages({
      workspaceId,
      conversationId: conversationIds[0] ?? "",
      pageSize: 1,
    });
    assert.notEqual(messages.nextPageToken, "");
    await assert.rejects(
      rpc.listConversations({ workspaceId, pageToken: messages.nextPageToken }),
      invalidToken,
    );
    await assert.rejects(
      rpc.listMessages({
        workspaceId,
        conversationId: conversationIds[1] ?? "",
        pageToken: messages.nextPageToken,
      }),
      invalidToken,
      "a token of another conversation's messages",
    );
  });

  it("ListConversations accepts a page size above the maximum", async () => {
    const all = await rpc.listConversations({ workspaceId, pageSize: 1000 });
    assert.equal(all.conversations.length, 3);
    assert.equal(all.nextPageToken, "");
  });

  it("ListMessages pages through a conversation both ways", async () => {
    const conversationId = conversationIds[0] ?? "";
    const newest = await rpc.listMessages({ workspaceId, conversationId, pageSize: 2 });
    assert.deepEqual(bodies(newest.messages), ["third", "second"]);
    const rest = await rpc.listMessages({
      workspaceId,
      conversationId,
      pageSize: 2,
      pageToken: newest.nextPageToken,
    });
    assert.deepEqual(bodies(rest.messages), ["hello from Ana"]);
    assert.equal(rest.nextPageToken, "");
    const oldest = await rpc.listMessages({ workspaceId, conversationId, oldestFirst: true });
    assert.deepEqual(bodies(oldest.messages), ["hello from Ana", "second", "third"]);
  });

  it("ListMessages shows an edited message's earlier versions and a deleted one's tombstone", async () => {
    const c = newCustomer({ tenantId, workspaceId });
    const sent = new Date(Date.now() - 60_000);
    const first = messageReceived(c, { body: "table for 2", sentAt: sent });
    const second = messageReceived(c, {
      body: "at 8pm, call me on 555-0101",
      sentAt: new Date(sent.getTime() + 1_000),
    });
    await h.bus.publish(MessageReceivedSchema, first);
    await h.bus.publish(MessageReceivedSchema, second);
    const conversation = await theConversation(c.channelId);
    await messagesWhen(c.channelId, (r) => r.length === 2);
    const edit = messageChanged(c, {
      target: first.externalMessageId,
      kind: MessageChangeKind.EDITED,
      body: "table for 3",
      occurredAt: new Date(sent.getTime() + 30_000),
    });
    const deletion = messageChanged(c, { target: second.externalMessageId, kind: MessageChangeKind.DELETED });
    await h.bus.publish(MessageChangeReceivedSchema, edit);
    await h.bus.publish(MessageChangeReceivedSchema, deletion);
    await h.handled(edit.meta?.eventId);
    await h.handled(deletion.meta?.eventId);

    const { messages } = await rpc.listMessages({
      workspaceId,
      conversationId: conversation.id,
      oldestFirst: true,
    });
    const [edited, deleted] = messages;
    assert.equal(bodyOf(edited), "table for 3");
    assert.equal(edited?.editCount, 1);
    assert.equal(edited?.editedAt && timestampDate(edited.editedAt).getTime(), sent.getTime() + 30_000);
    assert.deepEqual(edited?.previousVersions.map(bodyOf), ["table for 2"]);
    assert.ok(deleted?.deletedAt);
    assert.equal(deleted?.message?.content.case, "unsupported");
    assert.deepEqual(deleted?.previousVersions, []);
  });

  it("ListMessages answers not_found for a conversation of another workspace", async () => {
    const { workspace: other } = await owner.clients.tenants.createWorkspace({ tenantId, name: "Elsewhere" });
    await assert.rejects(
      rpc.listMessages({
        workspaceId: other?.id ?? "",
        conversationId: conversationIds[0] ?? "",
      }),
      hasCode(Code.NotFound),
    );
  });

  it("ListMessages coerces a page size above 100 and pages through every message once, ties included", async () => {
    // A conversation of its own workspace, with 120 more messages stored ten to a millisecond.
    const { workspace } = await owner.clients.tenants.createWorkspace({ tenantId, name: "Busy" });
    const busyWorkspace = workspace?.id ?? "";
    const c = newCustomer({ tenantId, workspaceId: busyWorkspace });
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    await adminQuery(
      `insert into conversation.messages
         (id, tenant_id, conversation_id, channel_id, direction, sender_kind, content, text, sort_at)
       select gen_random_uuid(), $1, $2, $3, 'INBOUND', 'CONTACT', $4, 'bulk ' || g,
              $5::timestamptz + (g / 10) * interval '1 millisecond'
       from generate_series(1, 120) g`,
      [
        tenantId,
        conversation.id,
        c.channelId,
        Buffer.from(toBinary(MessageSchema, text("bulk"))),
        new Date(Date.now() - 60_000),
      ],
    );
    const conversationId = conversation.id;
    const stored = await adminQuery<{ id: string }>(
      "select id from conversation.messages where conversation_id = $1",
      [conversationId],
    );
    assert.equal(stored.length, 121);

    const big = await rpc.listMessages({ workspaceId: busyWorkspace, conversationId, pageSize: 500 });
    assert.equal(big.messages.length, 100, "coerced to the maximum, not refused");
    assert.notEqual(big.nextPageToken, "");

    for (const oldestFirst of [false, true]) {
      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await rpc.listMessages({
          workspaceId: busyWorkspace,
          conversationId,
          pageSize: 7,
          pageToken,
          oldestFirst,
        });
        assert.ok(page.messages.length <= 7);
        seen.push(...page.messages.map((m) => m.id));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      assert.equal(seen.length, 121, `every message once (oldestFirst: ${oldestFirst})`);
      assert.deepEqual(new Set(seen), new Set(stored.map((r) => r.id)));
    }
  });
});
