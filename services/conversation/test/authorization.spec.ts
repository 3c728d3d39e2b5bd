import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import {
  AnalyticsService,
  ContactService,
  ConversationService,
  TurnContextService,
} from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { errorInfoOf, methodsWithoutRule } from "@atendo/service-kit";
import { expectAccessChangesHeard, type Owner } from "@atendo/testing";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { POLICIES } from "../src/policies.js";
import { messagesWhen, theConversation } from "./support/db.js";
import { messageReceived, newCustomer } from "./support/events.js";
import { type Clients, type Harness, startConversation } from "./support/harness.js";

/** The code a call was refused with, or "ok". */
async function outcome(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    if (err instanceof ConnectError) return err.code;
    throw err;
  }
}

// The requests below are valid: the interceptor validates a request before its target and grant
// checks, so an invalid one would be refused as invalid_argument and prove nothing.
const REFUSALS: ReadonlyArray<Code | "ok"> = [
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
];

/** Whether the call got past authorization: answered, or refused for another reason than access. */
async function admitted(call: Promise<unknown>): Promise<boolean> {
  return !REFUSALS.includes(await outcome(call));
}

const lastWeek = () => ({
  startTime: timestampFromDate(new Date(Date.now() - 7 * 86_400_000)),
  endTime: timestampFromDate(new Date()),
});

describe("authorization (real credentials from the tenant service)", () => {
  let h: Harness;
  let owner: Owner<Clients>;
  let workspaceA: string;
  let workspaceB: string;
  let conversationA: string;
  let messageA: string;
  let conversationB: string;
  let other: Owner<Clients>;
  let otherConversation: string;
  let agentOfA: Clients;
  let agentOfAll: Clients;

  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "60000" }, { withTenant: true });
    owner = await h.identity.signUpOwner({ plan: Plan.PRO });
    workspaceA = owner.workspaceId;
    const { workspace } = await owner.clients.tenants.createWorkspace({
      tenantId: owner.tenantId,
      name: "B",
    });
    workspaceB = workspace?.id ?? "";
    other = await h.identity.signUpOwner();

    const open = async (tenantId: string, workspaceId: string) => {
      const c = newCustomer({ tenantId, workspaceId });
      await h.bus.publish(MessageReceivedSchema, messageReceived(c));
      const conversation = await theConversation(c.channelId);
      const [message] = await messagesWhen(c.channelId, (rows) => rows.length === 1);
      return { conversationId: conversation.id, messageId: message?.id ?? "" };
    };
    const [a, b, o] = await Promise.all([
      open(owner.tenantId, workspaceA),
      open(owner.tenantId, workspaceB),
      open(other.tenantId, other.workspaceId),
    ]);
    [conversationA, messageA] = [a.conversationId, a.messageId];
    conversationB = b.conversationId;
    otherConversation = o.conversationId;
    agentOfA = (await h.identity.addMember(owner, MemberRole.AGENT, [workspaceA])).clients;
    agentOfAll = (await h.identity.addMember(owner, MemberRole.AGENT)).clients;
  });
  after(async () => {
    await h?.stop();
  });

  it("has a rule for every RPC of every service it serves", () => {
    assert.deepEqual(
      methodsWithoutRule(POLICIES, [
        ConversationService,
        TurnContextService,
        ContactService,
        AnalyticsService,
      ]),
      [],
    );
  });

  it("refuses calls without credentials or with a tampered token", async () => {
    const req = { workspaceId: workspaceA, conversationId: conversationA };
    assert.equal(await outcome(h.anonymous.conversations.getConversation(req)), Code.Unauthenticated);
    const [head, body, signature = ""] = owner.accessToken.split(".");
    // One character inside the signature (the last one carries padding bits).
    const flipped = `${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
    const tampered = h.as(`${head}.${body}.${flipped}`);
    assert.equal(await outcome(tampered.conversations.getConversation(req)), Code.Unauthenticated);
    assert.equal(
      await outcome(h.as("atd_live_nope_nope").conversations.getConversation(req)),
      Code.Unauthenticated,
    );
  });

  it("lets an agent limited to workspace A read A, and refuses workspace B of the same tenant", async () => {
    const { conversation } = await agentOfA.conversations.getConversation({
      workspaceId: workspaceA,
      conversationId: conversationA,
    });
    assert.equal(conversation?.id, conversationA);
    const listed = await agentOfA.conversations.listConversations({ workspaceId: workspaceA });
    assert.deepEqual(
      listed.conversations.map((c) => c.id),
      [conversationA],
    );
    assert.equal(
      await outcome(agentOfA.conversations.listConversations({ workspaceId: workspaceB })),
      Code.PermissionDenied,
    );
    assert.equal(
      await outcome(
        agentOfA.conversations.getConversation({ workspaceId: workspaceB, conversationId: conversationB }),
      ),
      Code.PermissionDenied,
    );
    // An agent of every workspace reads B, but not B's conversation through A.
    const inB = await agentOfAll.conversations.listMessages({
      workspaceId: workspaceB,
      conversationId: conversationB,
    });
    assert.equal(inB.messages.length, 1);
    assert.equal(
      await outcome(
        agentOfAll.conversations.getConversation({ workspaceId: workspaceA, conversationId: conversationB }),
      ),
      Code.NotFound,
    );
  });

  it("answers not_found to another tenant's user for this tenant's workspace and conversations", async () => {
    const rpc = other.clients.conversations;
    assert.equal(
      await outcome(rpc.getConversation({ workspaceId: workspaceA, conversationId: conversationA })),
      Code.NotFound,
    );
    assert.equal(await outcome(rpc.listConversations({ workspaceId: workspaceA })), Code.NotFound);
    // Through their own workspace, this tenant's conversation id does not exist either.
    assert.equal(
      await outcome(rpc.getConversation({ workspaceId: other.workspaceId, conversationId: conversationA })),
      Code.NotFound,
    );
    assert.equal(
      await outcome(rpc.listMessages({ workspaceId: other.workspaceId, conversationId: conversationA })),
      Code.NotFound,
    );
    const own = await rpc.listConversations({ workspaceId: other.workspaceId });
    assert.deepEqual(
      own.conversations.map((c) => c.id),
      [otherConversation],
    );
  });

  it("keeps admin RPCs from agents and lets admins through", async () => {
    const overview = { workspaceId: workspaceA, timeRange: lastWeek() };
    assert.equal(await outcome(agentOfAll.analytics.getOverview(overview)), Code.PermissionDenied);
    assert.equal(
      await outcome(agentOfAll.contacts.deleteContact({ workspaceId: workspaceA, contactId: conversationA })),
      Code.PermissionDenied,
    );
    const admin = await h.identity.addMember(owner, MemberRole.ADMIN);
    assert.ok(await admitted(admin.clients.analytics.getOverview(overview)));
    assert.ok(await admitted(owner.clients.analytics.getOverview(overview)));
    // Agents do reach the agent-level RPCs of the same services.
    assert.ok(await admitted(agentOfAll.contacts.listContacts({ workspaceId: workspaceA })));
  });

  it("holds API keys to their workspace and scopes", async () => {
    const reader = (await h.identity.createApiKey(owner, workspaceA, ["conversations:read"])).clients;
    const listed = await reader.conversations.listConversations({ workspaceId: workspaceA });
    assert.deepEqual(
      listed.conversations.map((c) => c.id),
      [conversationA],
    );
    const reply = { workspaceId: workspaceA, conversationId: conversationA };
    assert.equal(
      await outcome(
        reader.conversations.sendAgentReply({
          ...reply,
          requestId: newId(),
          message: { content: { case: "text", value: { body: "hi" } } },
        }),
      ),
      Code.PermissionDenied,
    );
    assert.equal(await outcome(reader.conversations.takeOver(reply)), Code.PermissionDenied);
    assert.equal(
      await outcome(reader.contacts.listContacts({ workspaceId: workspaceA })),
      Code.PermissionDenied,
    );
    assert.equal(
      await outcome(reader.conversations.listConversations({ workspaceId: workspaceB })),
      Code.PermissionDenied,
      "a key of workspace A on workspace B",
    );
    assert.equal(
      await outcome(reader.conversations.listConversations({ workspaceId: other.workspaceId })),
      Code.NotFound,
      "a key on another tenant's workspace",
    );
    const contactsOnly = (await h.identity.createApiKey(owner, workspaceA, ["contacts:read"])).clients;
    assert.equal(
      await outcome(contactsOnly.conversations.listConversations({ workspaceId: workspaceA })),
      Code.PermissionDenied,
    );
    assert.ok(await admitted(contactsOnly.contacts.listContacts({ workspaceId: workspaceA })));
  });

  it("serves the internal TurnContextService to the ai service only, and keeps services off the public RPCs", async () => {
    const req = {
      tenantId: owner.tenantId,
      conversationId: conversationA,
      messageIds: [messageA],
      turnEpoch: 1,
    };
    const ai = await h.identity.asService("ai");
    const context = await ai.turnContexts.getTurnContext(req);
    assert.equal(context.conversation?.id, conversationA);
    assert.deepEqual(
      context.turnMessages.map((m) => m.id),
      [messageA],
    );
    assert.equal(await outcome(owner.clients.turnContexts.getTurnContext(req)), Code.PermissionDenied);
    const key = (await h.identity.createApiKey(owner, workspaceA, ["conversations:read"])).clients;
    assert.equal(await outcome(key.turnContexts.getTurnContext(req)), Code.PermissionDenied);
    const delivery = await h.identity.asService("delivery");
    assert.equal(await outcome(delivery.turnContexts.getTurnContext(req)), Code.PermissionDenied);
    assert.equal(
      await outcome(ai.conversations.listConversations({ workspaceId: workspaceA })),
      Code.PermissionDenied,
    );
  });

  it("no longer serves GetTurnContext on the public ConversationService", async () => {
    assert.equal(
      ConversationService.methods.find((m) => m.name === "GetTurnContext"),
      undefined,
      "the contract's public service has no internal RPC",
    );
    const ai = await h.identity.serviceToken("ai");
    // The old path, called with the one credential the internal RPC admits: there is nothing there.
    const res = await fetch(`${h.url}/atendo.conversation.v1.ConversationService/GetTurnContext`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ai}` },
      body: JSON.stringify({
        tenantId: owner.tenantId,
        conversationId: conversationA,
        messageIds: [messageA],
        turnEpoch: 1,
      }),
    });
    assert.equal(res.status, 404);
  });

  it("answers the RPCs not built yet with unimplemented and the reason UNIMPLEMENTED", async () => {
    const calls = [
      owner.clients.conversations.takeOver({ workspaceId: workspaceA, conversationId: conversationA }),
      owner.clients.contacts.listContacts({ workspaceId: workspaceA }),
    ];
    for (const call of calls) {
      const err = await call.then(
        () => assert.fail("answered"),
        (e: unknown) => ConnectError.from(e),
      );
      assert.equal(err.code, Code.Unimplemented);
      assert.equal(errorInfoOf(err)?.reason, "UNIMPLEMENTED");
    }
  });

  it("refuses a revoked API key and a suspended tenant's token within a second, until reactivation", async () => {
    // Its own tenant: it is suspended for a moment.
    const suspended = await h.identity.signUpOwner({ plan: Plan.PRO });
    await expectAccessChangesHeard({
      identity: h.identity,
      tenantUrl: h.tenantUrl,
      owner: suspended,
      scopes: ["conversations:read"],
      call: (credential) =>
        h.as(credential).conversations.listConversations({ workspaceId: suspended.workspaceId }),
    });
  });
});
