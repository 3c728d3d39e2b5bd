import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import { ConversationOpenedSchema, MessageStoredSchema } from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import { Code, ConnectError } from "@connectrpc/connect";
import { contactsOfChannel, conversationsOfChannel, messagesWhen } from "./support/db.js";
import { type Customer, messageReceived } from "./support/events.js";
import { type Clients, type Harness, startConversation } from "./support/harness.js";

describe("ConversationDirectoryService.OpenConversation (internal, ingress only)", () => {
  let h: Harness;
  let ingress: Clients;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "150" }, { withTenant: true });
    ingress = await h.identity.asService("ingress");
  });
  after(async () => {
    await h?.stop();
  });

  /** A web visitor of a channel of a real tenant's workspace. */
  async function newVisitor(): Promise<{
    c: Customer;
    owner: Awaited<ReturnType<Harness["identity"]["signUpOwner"]>>;
  }> {
    const owner = await h.identity.signUpOwner();
    const c: Customer = {
      tenantId: owner.tenantId,
      workspaceId: owner.workspaceId,
      channelId: newId(),
      waId: `anon-${newId()}`,
    };
    return { c, owner };
  }

  const open = (c: Customer, clients = ingress) =>
    clients.directory.openConversation({
      tenantId: c.tenantId,
      workspaceId: c.workspaceId,
      channelId: c.channelId,
      channelType: ChannelType.WEB,
      contactExternalId: c.waId,
      displayName: "Ana",
      email: "ana@example.com",
    });

  it("opens one contact and one conversation for concurrent calls; the visitor's first message lands in it and only then shows in the inbox", async () => {
    const { c, owner } = await newVisitor();
    const answers = await Promise.all([open(c), open(c), open(c), open(c)]);
    const [first] = answers;
    assert.ok(first !== undefined && first.conversationId !== "" && first.contactId !== "");
    for (const a of answers)
      assert.deepEqual([a.conversationId, a.contactId], [first.conversationId, first.contactId]);
    assert.equal((await conversationsOfChannel(c.channelId)).length, 1);
    const [contact] = await contactsOfChannel(c.channelId);
    assert.equal(contact?.id, first.contactId);
    // A retry later: the same ids.
    assert.equal((await open(c)).conversationId, first.conversationId);

    // Without a message it is nobody's work yet: not in the inbox, nothing announced.
    const before = await owner.clients.conversations.listConversations({ workspaceId: c.workspaceId });
    assert.ok(!before.conversations.some((x) => x.id === first.conversationId));
    assert.ok(
      !h.captured.of(ConversationOpenedSchema).some((e) => e.conversationId === first.conversationId),
    );

    const received = messageReceived(c, { body: "hello", channelType: ChannelType.WEB });
    await h.bus.publish(MessageReceivedSchema, received);
    await h.handled(received.meta?.eventId);
    const rows = await messagesWhen(c.channelId, (r) => r.length === 1);
    assert.equal(rows[0]?.conversation_id, first.conversationId);
    assert.equal((await conversationsOfChannel(c.channelId)).length, 1);
    const stored = await waitFor(() =>
      h.captured.of(MessageStoredSchema).find((e) => e.conversationId === first.conversationId),
    );
    assert.equal(stored.contactId, first.contactId);
    // The first message opens it for the inbox, once.
    await waitFor(() =>
      h.captured.of(ConversationOpenedSchema).some((e) => e.conversationId === first.conversationId),
    );
    assert.equal(
      h.captured.of(ConversationOpenedSchema).filter((e) => e.conversationId === first.conversationId).length,
      1,
    );
    const after = await owner.clients.conversations.listConversations({ workspaceId: c.workspaceId });
    const listed = after.conversations.find((x) => x.id === first.conversationId);
    assert.equal(listed?.lastMessagePreview, "hello");
  });

  it("refuses a workspace of another tenant (not_found) and every caller but ingress", async () => {
    const { c, owner } = await newVisitor();
    const { c: other } = await newVisitor();
    const codeOf = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        return ConnectError.from(err).code;
      }
      assert.fail("the call succeeded");
    };
    assert.equal(await codeOf(open({ ...c, workspaceId: other.workspaceId })), Code.NotFound);
    assert.equal(await codeOf(open(c, await h.identity.asService("ai"))), Code.PermissionDenied);
    assert.equal(await codeOf(open(c, owner.clients)), Code.PermissionDenied);
    assert.equal(await codeOf(open(c, h.anonymous)), Code.Unauthenticated);
    assert.equal(await codeOf(open({ ...c, waId: "" })), Code.InvalidArgument);
    assert.equal((await conversationsOfChannel(c.channelId)).length, 0);
  });
});
