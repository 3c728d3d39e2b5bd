import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ChatRole } from "@atendo/proto/ai/v1";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { adminQuery, expectAccessChangesHeard, expectConnectError, type Person } from "@atendo/testing";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { createAssistant, createWorkspace, type Workspace } from "./support/fixtures.js";
import { type Clients, type Stack, startStack } from "./support/stack.js";

const question = [
  { role: ChatRole.CUSTOMER, message: { content: { case: "text" as const, value: { body: "Oi" } } } },
];

/** The decisions of policies.ts that matter, with real tokens and keys from the tenant service. */
describe("ai service: who may call what", () => {
  let stack: Stack;
  let ws: Workspace;
  let agent: Person<Clients>;
  let assistantId: string;

  before(async () => {
    stack = await startStack();
    ws = await createWorkspace(stack);
    agent = await stack.identity.addMember(ws, MemberRole.AGENT);
    assistantId = await createAssistant(ws);
  });
  after(async () => {
    await stack?.stop();
  });

  const test = (c: Clients) =>
    c.ai.testAssistant({ workspaceId: ws.workspaceId, assistantId, messages: question });
  const usageRows = () =>
    adminQuery<{ tenant_id: string }>("select tenant_id from ai.usage_records where assistant_id = $1", [
      assistantId,
    ]);

  it("refuses calls without valid credentials", async () => {
    await expectConnectError(test(stack.anonymous), Code.Unauthenticated, {
      message: /missing or invalid credentials/,
    });
    await expectConnectError(test(stack.as("not-a-token")), Code.Unauthenticated, {
      message: /missing or invalid credentials/,
    });
  });

  it("keeps agents to the reads their role allows", async () => {
    await expectConnectError(test(agent.clients), Code.PermissionDenied, { message: /not allowed/ });
    await expectConnectError(
      agent.clients.ai.generateReply({ workspaceId: ws.workspaceId, assistantId, messages: question }),
      Code.PermissionDenied,
      { message: /not allowed/ },
    );
    const now = Date.now();
    await expectConnectError(
      agent.clients.ai.getUsage({
        workspaceId: ws.workspaceId,
        timeRange: { startTime: timestampFromMs(now - 86_400_000), endTime: timestampFromMs(now) },
      }),
      Code.PermissionDenied,
      { message: /not allowed/ },
    );
    // Admitted by its rule; the search itself comes with the knowledge issue.
    await expectConnectError(
      agent.clients.ai.searchKnowledge({
        workspaceId: ws.workspaceId,
        query: "frete",
        knowledgeBaseIds: [newId()],
      }),
      Code.Unimplemented,
      {
        // its handler comes with a later issue: Unimplemented means the rule let the call through
        message: /\S/,
      },
    );
    assert.deepEqual(await usageRows(), []);
  });

  it("keeps another tenant out of this workspace", async () => {
    const stranger = await createWorkspace(stack);
    await expectConnectError(test(stranger.clients), Code.NotFound, { message: /workspace not found/ });
  });

  it("refuses services: the playground is for people and keys", async () => {
    await expectConnectError(test(await stack.identity.asService("conversation")), Code.PermissionDenied, {
      message: /not allowed/,
    });
  });

  it("takes API keys by scope, and reads the assistant with the key's own rights", async () => {
    const reader = await stack.identity.createApiKey(ws, ws.workspaceId, ["assistants:read"]);
    await expectConnectError(test(reader.clients), Code.PermissionDenied, { message: /not allowed/ });
    // The assistant is read with the caller's credential: assistants:write alone cannot read it.
    const writeOnly = await stack.identity.createApiKey(ws, ws.workspaceId, ["assistants:write"]);
    await expectConnectError(test(writeOnly.clients), Code.PermissionDenied, { message: /not allowed/ });
    assert.deepEqual(await usageRows(), []);

    const key = await stack.identity.createApiKey(ws, ws.workspaceId, [
      "assistants:read",
      "assistants:write",
    ]);
    const res = await test(key.clients);
    assert.equal(res.offline, true);
    assert.deepEqual(await usageRows(), [{ tenant_id: ws.tenantId }]);
  });

  it("refuses a revoked API key and a suspended tenant's token within a second, until reactivation", async () => {
    // Its own tenant: it is suspended for a moment.
    const owner = await createWorkspace(stack);
    const ownAssistant = await createAssistant(owner);
    await expectAccessChangesHeard({
      identity: stack.identity,
      tenantUrl: stack.tenantUrl,
      owner,
      scopes: ["assistants:write", "assistants:read"],
      call: (credential) =>
        stack.as(credential).ai.testAssistant({
          workspaceId: owner.workspaceId,
          assistantId: ownAssistant,
          messages: question,
        }),
    });
  });
});
