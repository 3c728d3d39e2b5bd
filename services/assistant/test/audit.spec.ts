import assert from "node:assert/strict";
import type { AuditRecorded } from "@atendo/proto/audit/v1";
import { ActorKind, ModelProvider } from "@atendo/proto/common/v1";
import { waitFor } from "@atendo/testing";
import { type AuditEvents, collectAudit, summaryOf } from "./support/audit-events.js";
import { type Stack, startStack } from "./support/stack.js";
import { signUp, type Workspace } from "./support/workspace.js";

describe("assistant service: audit log", () => {
  let stack: Stack;
  let audit: AuditEvents;
  let ws: Workspace;

  before(async () => {
    stack = await startStack();
    audit = await collectAudit(stack.bus);
    ws = await signUp(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  const of = (action: string, targetId: string) => (e: AuditRecorded) =>
    e.entry?.action === action && e.entry.targetId === targetId;

  function assertByOwner(event: AuditRecorded): void {
    assert.equal(event.meta?.tenantId, ws.tenantId);
    assert.equal(event.meta?.workspaceId, ws.workspaceId);
    assert.equal(event.entry?.tenantId, ws.tenantId);
    assert.equal(event.entry?.workspaceId, ws.workspaceId);
    assert.equal(event.entry?.actor?.kind, ActorKind.USER);
    assert.equal(event.entry?.actor?.id, ws.userId);
    assert.equal(event.entry?.targetType, "assistant");
    // The envelope names who acted as well.
    assert.equal(event.meta?.actor?.kind, ActorKind.USER);
    assert.equal(event.meta?.actor?.id, ws.userId);
  }

  it("records creations, updates and deletions with the actor and before/after summaries", async () => {
    const { assistant } = await ws.clients.assistants.createAssistant({
      workspaceId: ws.workspaceId,
      name: "Audited",
      instructions: "x".repeat(500),
      model: { provider: ModelProvider.OFFLINE },
    });
    const id = assistant?.id ?? "";
    const created = await audit.waitFor(of("assistant.create", id), "create");
    assertByOwner(created);
    assert.equal(created.entry?.beforeSummary, "");
    const after = summaryOf(created.entry?.afterSummary) as Record<string, unknown>;
    assert.equal(after.name, "Audited");
    assert.equal(after.language, "pt-BR");
    assert.equal(after.enabled, true);
    // Long instructions are summarised, not copied.
    assert.equal(after.instructions_length, 500);
    assert.equal((after.instructions as string).length, 201);

    await ws.clients.assistants.updateAssistant({
      workspaceId: ws.workspaceId,
      assistantId: id,
      updateMask: { paths: ["name", "enabled"] },
      name: "Audited again",
      enabled: false,
    });
    const updated = await audit.waitFor(of("assistant.update", id), "update");
    assertByOwner(updated);
    const beforeUpdate = summaryOf(updated.entry?.beforeSummary) as Record<string, unknown>;
    const afterUpdate = summaryOf(updated.entry?.afterSummary) as Record<string, unknown>;
    assert.deepEqual([beforeUpdate.name, beforeUpdate.enabled], ["Audited", true]);
    assert.deepEqual([afterUpdate.name, afterUpdate.enabled], ["Audited again", false]);

    await ws.clients.assistants.deleteAssistant({ workspaceId: ws.workspaceId, assistantId: id });
    const deleted = await audit.waitFor(of("assistant.delete", id), "delete");
    assertByOwner(deleted);
    assert.equal((summaryOf(deleted.entry?.beforeSummary) as Record<string, unknown>).name, "Audited again");
    assert.equal(deleted.entry?.afterSummary, "");
    // One entry per change, each with its own id.
    const ids = audit.all.filter((e) => e.entry?.targetId === id).map((e) => e.entry?.id);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
  });

  it("records binds, moves and unbinds", async () => {
    const newAssistant = async (name: string) =>
      (
        await ws.clients.assistants.createAssistant({
          workspaceId: ws.workspaceId,
          name,
          model: { provider: ModelProvider.OFFLINE },
        })
      ).assistant?.id ?? "";
    const first = await newAssistant("First");
    const second = await newAssistant("Second");
    const channelId = await stack.identity.createWebChannel(ws);

    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId: first, channelId });
    const bound = await audit.waitFor(of("assistant.bind_channel", first), "bind");
    assertByOwner(bound);
    assert.equal(bound.entry?.beforeSummary, "");
    assert.deepEqual(summaryOf(bound.entry?.afterSummary), { channel_id: channelId, assistant_id: first });

    await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId: second, channelId });
    const moved = await audit.waitFor(of("assistant.bind_channel", second), "move");
    assert.deepEqual(summaryOf(moved.entry?.beforeSummary), { channel_id: channelId, assistant_id: first });
    assert.deepEqual(summaryOf(moved.entry?.afterSummary), { channel_id: channelId, assistant_id: second });

    await ws.clients.assistants.unbindChannel({
      workspaceId: ws.workspaceId,
      assistantId: second,
      channelId,
    });
    const unbound = await audit.waitFor(of("assistant.unbind_channel", second), "unbind");
    assertByOwner(unbound);
    assert.deepEqual(summaryOf(unbound.entry?.beforeSummary), {
      channel_id: channelId,
      assistant_id: second,
    });
    assert.deepEqual(summaryOf(unbound.entry?.afterSummary), { channel_id: channelId, assistant_id: null });
  });

  it("names an API key as the actor of its changes", async () => {
    const key = await stack.identity.createApiKey(ws, ws.workspaceId, ["assistants:write"]);
    const { assistant } = await ws.clients.assistants.createAssistant({
      workspaceId: ws.workspaceId,
      name: "Changed by a key",
      model: { provider: ModelProvider.OFFLINE },
    });
    const id = assistant?.id ?? "";
    await key.clients.assistants.updateAssistant({
      workspaceId: ws.workspaceId,
      assistantId: id,
      updateMask: { paths: ["instructions"] },
      instructions: "Seja breve.",
    });
    const event = await audit.waitFor(of("assistant.update", id), "update by key");
    assert.equal(event.entry?.actor?.kind, ActorKind.API_KEY);
    assert.equal(event.entry?.actor?.id, key.id);
    assert.equal(
      (summaryOf(event.entry?.afterSummary) as Record<string, unknown>).instructions,
      "Seja breve.",
    );
  });

  it("lands in the tenant's audit log", async () => {
    const { assistant } = await ws.clients.assistants.createAssistant({
      workspaceId: ws.workspaceId,
      name: "Logged",
      model: { provider: ModelProvider.OFFLINE },
    });
    const id = assistant?.id ?? "";
    const entry = await waitFor(
      async () => {
        const res = await ws.clients.tenants.listAuditLog({ tenantId: ws.tenantId, targetId: id });
        return res.entries.find((e) => e.action === "assistant.create");
      },
      { message: "the tenant service to store the assistant's audit entry" },
    );
    assert.equal(entry.actor?.kind, ActorKind.USER);
    assert.equal(entry.actor?.id, ws.userId);
    assert.equal(entry.workspaceId, ws.workspaceId);
    assert.equal((summaryOf(entry.afterSummary) as Record<string, unknown>).name, "Logged");
  });
});
