import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { newId } from "@atendo/db";
import { ActorKind, ModelProvider } from "@atendo/proto/common/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, expectConnectError } from "@atendo/testing";
import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { type ConfiguredEvents, collectConfigured } from "./support/events.js";
import { type Clients, type Stack, startStack } from "./support/stack.js";
import { addWorkspace, signUp, type Workspace } from "./support/workspace.js";

describe("AssistantService: channel bindings", () => {
  let stack: Stack;
  let events: ConfiguredEvents;
  let ws: Workspace;
  let ai: Clients;

  before(async () => {
    stack = await startStack();
    events = await collectConfigured(stack.bus);
    ws = await signUp(stack);
    ai = await stack.identity.asService("ai");
  });
  after(async () => {
    await stack?.stop();
  });

  async function newAssistant(name: string, workspace = ws): Promise<string> {
    const { assistant } = await workspace.clients.assistants.createAssistant({
      workspaceId: workspace.workspaceId,
      name,
      model: { provider: ModelProvider.OFFLINE },
      handoff: { keywords: ["gerente"], message: "Já chamo alguém." },
    });
    return assistant?.id ?? "";
  }

  it("binds a channel and serves the assistant to ai with everything it needs", async () => {
    const assistantId = await newAssistant("Binder");
    const channelId = await stack.identity.createWebChannel(ws);
    const res = await ws.clients.assistants.bindChannel({
      workspaceId: ws.workspaceId,
      assistantId,
      channelId,
    });
    assert.equal(res.binding?.channelId, channelId);
    assert.equal(res.binding?.assistantId, assistantId);
    assert.equal(res.previousAssistantId, "");

    const [event] = await events.waitFor(
      (e) => e.assistant?.id === assistantId && e.affectedChannelIds.length > 0,
    );
    assert.deepEqual(event?.affectedChannelIds, [channelId]);
    assert.deepEqual(event?.assistant?.channelIds, [channelId]);
    assert.equal(event?.meta?.actor?.kind, ActorKind.USER);
    assert.equal(event?.meta?.actor?.id, ws.userId);

    const got = await ws.clients.assistants.getAssistant({ workspaceId: ws.workspaceId, assistantId });
    assert.deepEqual(got.assistant?.channelIds, [channelId]);

    const forChannel = await ai.directory.getAssistantForChannel({ tenantId: ws.tenantId, channelId });
    assert.equal(forChannel.assistant?.id, assistantId);
    assert.equal(forChannel.assistant?.model?.maxOutputTokens, 1024);
    assert.equal(durationMs(forChannel.assistant?.bufferWindow ?? durationFromMs(-1)), 3_000);
    assert.deepEqual(forChannel.assistant?.handoff?.keywords, ["gerente"]);
    assert.deepEqual(forChannel.actions, []);
  });

  it("moves a channel bound elsewhere and announces both assistants", async () => {
    const first = await newAssistant("First");
    const second = await newAssistant("Second");
    const channelId = await stack.identity.createWebChannel(ws);
    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId: first, channelId });
    const moved = await ws.clients.assistants.bindChannel({
      workspaceId: ws.workspaceId,
      assistantId: second,
      channelId,
    });
    assert.equal(moved.previousAssistantId, first);

    const forChannel = await ai.directory.getAssistantForChannel({ tenantId: ws.tenantId, channelId });
    assert.equal(forChannel.assistant?.id, second);
    const rows = await adminQuery<{ assistant_id: string }>(
      "select assistant_id from assistant.channel_bindings where channel_id = $1",
      [channelId],
    );
    assert.deepEqual(rows, [{ assistant_id: second }]);

    const [fromFirst] = await events.waitFor(
      (e) =>
        e.assistant?.id === first &&
        e.affectedChannelIds.includes(channelId) &&
        e.assistant.channelIds.length === 0,
    );
    assert.ok(fromFirst);
    await events.waitFor((e) => e.assistant?.id === second && e.affectedChannelIds.includes(channelId));

    // Binding it again where it already is changes nothing.
    const again = await ws.clients.assistants.bindChannel({
      workspaceId: ws.workspaceId,
      assistantId: second,
      channelId,
    });
    assert.equal(again.previousAssistantId, "");
    assert.equal(again.binding?.assistantId, second);
  });

  it("binds once per request_id: a retry gets the first response even after a move", async () => {
    const first = await newAssistant("Asked once");
    const second = await newAssistant("Asked later");
    const channelId = await stack.identity.createWebChannel(ws);
    const request = { workspaceId: ws.workspaceId, assistantId: first, channelId, requestId: randomUUID() };
    const bound = await ws.clients.assistants.bindChannel(request);
    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId: second, channelId });
    // The retry does not move the channel back: it answers what the first call did.
    const retried = await ws.clients.assistants.bindChannel(request);
    assert.deepEqual(retried, bound);
    const rows = await adminQuery<{ assistant_id: string }>(
      "select assistant_id from assistant.channel_bindings where channel_id = $1",
      [channelId],
    );
    assert.deepEqual(rows, [{ assistant_id: second }]);
    const err = await expectConnectError(
      ws.clients.assistants.bindChannel({ ...request, assistantId: second }),
      Code.InvalidArgument,
      { message: /request_id/ },
    );
    assert.equal(errorInfoOf(err)?.reason, "REQUEST_ID_REUSED");
  });

  it("refuses channels that are not in the workspace", async () => {
    const assistantId = await newAssistant("Picky");
    const foreignChannel = await stack.identity.createWebChannel(await signUp(stack));
    await expectConnectError(
      ws.clients.assistants.bindChannel({
        workspaceId: ws.workspaceId,
        assistantId,
        channelId: foreignChannel,
      }),
      Code.NotFound,
      { message: new RegExp(`channel ${foreignChannel} not found`) },
    );
    const siblingChannel = await stack.identity.createWebChannel(await addWorkspace(stack, ws));
    await expectConnectError(
      ws.clients.assistants.bindChannel({
        workspaceId: ws.workspaceId,
        assistantId,
        channelId: siblingChannel,
      }),
      Code.NotFound,
      { message: new RegExp(`channel ${siblingChannel} not found`) },
    );
    const unknown = newId();
    await expectConnectError(
      ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId, channelId: unknown }),
      Code.NotFound,
      { message: /channel .* not found/ },
    );
    const channelId = await stack.identity.createWebChannel(ws);
    await expectConnectError(
      ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId: newId(), channelId }),
      Code.NotFound,
      { message: /assistant .* not found/ },
    );
    await expectConnectError(
      ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId, channelId: "nope" }),
      Code.InvalidArgument,
      { message: /channel_id/ },
    );
    const rows = await adminQuery(
      "select 1 from assistant.channel_bindings where channel_id = any($1::uuid[])",
      [[foreignChannel, siblingChannel, unknown, channelId]],
    );
    assert.equal(rows.length, 0);
  });

  it("unbinds a channel: ai then finds no assistant for it", async () => {
    const assistantId = await newAssistant("Leaving");
    const channelId = await stack.identity.createWebChannel(ws);
    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId, channelId });
    await ws.clients.assistants.unbindChannel({ workspaceId: ws.workspaceId, assistantId, channelId });
    await expectConnectError(
      ai.directory.getAssistantForChannel({ tenantId: ws.tenantId, channelId }),
      Code.NotFound,
      { message: new RegExp(`assistant for channel ${channelId} not found`) },
    );
    await events.waitFor(
      (e) =>
        e.assistant?.id === assistantId &&
        e.affectedChannelIds.includes(channelId) &&
        e.assistant.channelIds.length === 0,
    );
    await expectConnectError(
      ws.clients.assistants.unbindChannel({ workspaceId: ws.workspaceId, assistantId, channelId }),
      Code.NotFound,
      { message: /channel binding .* not found/ },
    );
  });

  it("deleting an assistant unbinds its channels and lists them as affected", async () => {
    const assistantId = await newAssistant("Doomed");
    const channelId = await stack.identity.createWebChannel(ws);
    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId, channelId });
    await ws.clients.assistants.deleteAssistant({ workspaceId: ws.workspaceId, assistantId });
    const rows = await adminQuery("select 1 from assistant.channel_bindings where channel_id = $1", [
      channelId,
    ]);
    assert.equal(rows.length, 0);
    const [event] = await events.waitFor((e) => e.assistant?.id === assistantId && e.deleted);
    assert.deepEqual(event?.affectedChannelIds, [channelId]);
  });

  it("GetAssistantForChannel sees only the given tenant's bindings", async () => {
    const assistantId = await newAssistant("Private");
    const channelId = await stack.identity.createWebChannel(ws);
    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId, channelId });
    const stranger = await signUp(stack);
    await expectConnectError(
      ai.directory.getAssistantForChannel({ tenantId: stranger.tenantId, channelId }),
      Code.NotFound,
      { message: /not found/ },
    );
    await expectConnectError(
      ai.directory.getAssistantForChannel({ tenantId: "tenant-1", channelId }),
      Code.InvalidArgument,
      { message: /tenant_id/ },
    );
  });
});
