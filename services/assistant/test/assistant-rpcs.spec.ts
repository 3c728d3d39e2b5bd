import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { newId } from "@atendo/db";
import { ActorKind, ModelProvider } from "@atendo/proto/common/v1";
import { Plan } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, expectConnectError } from "@atendo/testing";
import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { type ConfiguredEvents, collectConfigured } from "./support/events.js";
import { type Stack, startStack } from "./support/stack.js";
import { addWorkspace, signUp, type Workspace } from "./support/workspace.js";

const offline = { provider: ModelProvider.OFFLINE };

describe("AssistantService: assistants", () => {
  let stack: Stack;
  let events: ConfiguredEvents;
  let ws: Workspace;

  before(async () => {
    stack = await startStack();
    events = await collectConfigured(stack.bus);
    ws = await signUp(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  describe("CreateAssistant", () => {
    it("stores the assistant with the defaults applied and announces it", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Lia",
        instructions: "Seja cordial.",
        model: offline,
        handoff: { keywords: ["gerente"], message: "Um momento!" },
      });
      assert.ok(assistant);
      assert.equal(assistant.tenantId, ws.tenantId);
      assert.equal(assistant.language, "pt-BR");
      assert.equal(assistant.model?.provider, ModelProvider.OFFLINE);
      assert.equal(assistant.model?.maxOutputTokens, 1024);
      assert.equal(durationMs(assistant.bufferWindow ?? durationFromMs(-1)), 3_000);
      assert.equal(durationMs(assistant.maxInboundAge ?? durationFromMs(-1)), 86_400_000);
      assert.deepEqual(assistant.handoff?.keywords, ["gerente"]);
      assert.equal(assistant.enabled, true);

      const rows = await adminQuery<{ tenant_id: string; name: string; model_provider: string }>(
        "select tenant_id, name, model_provider from assistant.assistants where id = $1",
        [assistant.id],
      );
      assert.deepEqual(rows, [{ tenant_id: ws.tenantId, name: "Lia", model_provider: "offline" }]);

      const [event] = await events.waitFor((e) => e.assistant?.id === assistant.id);
      assert.equal(event?.meta?.tenantId, ws.tenantId);
      assert.equal(event?.meta?.workspaceId, ws.workspaceId);
      assert.equal(event?.meta?.actor?.kind, ActorKind.USER);
      assert.equal(event?.meta?.actor?.id, ws.userId);
      assert.equal(event?.deleted, false);
      assert.equal(event?.assistant?.name, "Lia");
    });

    it("takes the workspace's default language when the request names none", async () => {
      const english = await signUp(stack, { defaultLanguage: "en-US" });
      const { assistant } = await english.clients.assistants.createAssistant({
        workspaceId: english.workspaceId,
        name: "Eve",
        model: offline,
      });
      assert.equal(assistant?.language, "en-US");
    });

    it("keeps explicit settings", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Max",
        language: "en",
        model: {
          provider: ModelProvider.OPENAI,
          model: "gpt-4o-mini",
          temperature: 0.3,
          maxOutputTokens: 500,
        },
        bufferWindow: durationFromMs(0),
        maxInboundAge: durationFromMs(3_600_000),
        knowledgeBaseIds: [newId()],
        enabled: false,
      });
      assert.equal(assistant?.language, "en");
      assert.equal(assistant?.model?.model, "gpt-4o-mini");
      assert.equal(assistant?.model?.temperature, 0.3);
      assert.equal(assistant?.model?.maxOutputTokens, 500);
      assert.equal(durationMs(assistant?.bufferWindow ?? durationFromMs(-1)), 0);
      assert.equal(durationMs(assistant?.maxInboundAge ?? durationFromMs(-1)), 3_600_000);
      assert.equal(assistant?.knowledgeBaseIds.length, 1);
      assert.equal(assistant?.enabled, false);
    });

    it("rejects bad input naming the field", async () => {
      const base = { workspaceId: ws.workspaceId, name: "Ok", model: offline };
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, name: "" }),
        Code.InvalidArgument,
        { message: /name/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, name: "   " }),
        Code.InvalidArgument,
        { message: /name/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ workspaceId: ws.workspaceId, name: "Ok" }),
        Code.InvalidArgument,
        { message: /model/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, model: { provider: ModelProvider.OPENAI } }),
        Code.InvalidArgument,
        { message: /model is required unless the provider is OFFLINE/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, bufferWindow: durationFromMs(61_000) }),
        Code.InvalidArgument,
        { message: /buffer_window/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, knowledgeBaseIds: ["kb-1"] }),
        Code.InvalidArgument,
        { message: /knowledge_base_ids/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, language: "português" }),
        Code.InvalidArgument,
        { message: /language/ },
      );
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...base, workspaceId: "not-a-uuid" }),
        Code.InvalidArgument,
        { message: /workspace_id/ },
      );
    });

    it("answers not_found for a workspace that does not exist", async () => {
      const workspaceId = newId();
      await expectConnectError(
        ws.clients.assistants.createAssistant({ workspaceId, name: "Ghost", model: offline }),
        Code.NotFound,
        { message: /workspace not found/ },
      );
    });

    it("detects a second assistant with the same name in the workspace (a retried create)", async () => {
      await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Bia",
        model: offline,
      });
      await expectConnectError(
        ws.clients.assistants.createAssistant({ workspaceId: ws.workspaceId, name: "bia", model: offline }),
        Code.AlreadyExists,
        { message: /an assistant named "bia"/ },
      );
      const rows = await adminQuery(
        "select id from assistant.assistants where workspace_id = $1 and lower(name) = 'bia'",
        [ws.workspaceId],
      );
      assert.equal(rows.length, 1);
    });

    it("refuses to pass the plan's limit of assistants with PLAN_LIMIT_REACHED", async () => {
      const free = await signUp(stack, { plan: Plan.FREE }); // FREE allows one assistant
      const first = { workspaceId: free.workspaceId, name: "One", model: offline, requestId: randomUUID() };
      const { assistant } = await free.clients.assistants.createAssistant(first);
      const err = await expectConnectError(
        free.clients.assistants.createAssistant({
          workspaceId: free.workspaceId,
          name: "Two",
          model: offline,
        }),
        Code.ResourceExhausted,
        { message: /assistants limit reached/ },
      );
      assert.equal(errorInfoOf(err)?.reason, "PLAN_LIMIT_REACHED");
      assert.equal(errorInfoOf(err)?.domain, "atendo.common.v1");
      assert.deepEqual(errorInfoOf(err)?.metadata, { limit: "assistants", max: "1" });
      // A retry of the first create still gets its assistant: it was created within the limit.
      const retried = await free.clients.assistants.createAssistant(first);
      assert.equal(retried.assistant?.id, assistant?.id);
    });

    it("creates once per request_id: a retry gets the first response, another body is refused", async () => {
      const own = await addWorkspace(stack, ws);
      const request = {
        workspaceId: own.workspaceId,
        name: "Retried",
        instructions: "once",
        model: offline,
        requestId: randomUUID(),
      };
      const first = await ws.clients.assistants.createAssistant(request);
      const second = await ws.clients.assistants.createAssistant(request);
      assert.ok(first.assistant);
      assert.deepEqual(second.assistant, first.assistant);
      const rows = await adminQuery("select id from assistant.assistants where workspace_id = $1", [
        own.workspaceId,
      ]);
      assert.deepEqual(rows, [{ id: first.assistant.id }]);
      // Announced and audited once.
      await events.waitFor((e) => e.assistant?.id === first.assistant?.id);
      const configured = events.all.filter((e) => e.assistant?.id === first.assistant?.id);
      assert.equal(configured.length, 1);

      const reused = await expectConnectError(
        ws.clients.assistants.createAssistant({ ...request, name: "Something else" }),
        Code.InvalidArgument,
        { message: /request_id/ },
      );
      assert.equal(errorInfoOf(reused)?.reason, "REQUEST_ID_REUSED");
      assert.equal(errorInfoOf(reused)?.metadata.request_id, request.requestId);
      await expectConnectError(
        ws.clients.assistants.createAssistant({ ...request, requestId: "not-a-uuid" }),
        Code.InvalidArgument,
        { message: /request_id/ },
      );
    });
  });

  describe("GetAssistant", () => {
    it("returns the assistant of the workspace and not_found from any other", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Get me",
        model: offline,
      });
      const id = assistant?.id ?? "";
      const got = await ws.clients.assistants.getAssistant({ workspaceId: ws.workspaceId, assistantId: id });
      assert.equal(got.assistant?.name, "Get me");
      assert.deepEqual(got.assistant?.channelIds, []);

      // Another workspace of the same tenant, and another tenant's own workspace.
      const sibling = await addWorkspace(stack, ws);
      const missing = await expectConnectError(
        ws.clients.assistants.getAssistant({ workspaceId: sibling.workspaceId, assistantId: id }),
        Code.NotFound,
        { message: new RegExp(`assistant ${id} not found`) },
      );
      assert.equal(errorInfoOf(missing)?.reason, "NOT_FOUND");
      assert.deepEqual(errorInfoOf(missing)?.metadata, { resource: "assistant", id });
      const stranger = await signUp(stack);
      await expectConnectError(
        stranger.clients.assistants.getAssistant({ workspaceId: stranger.workspaceId, assistantId: id }),
        Code.NotFound,
        { message: new RegExp(`assistant ${id} not found`) },
      );
      await expectConnectError(
        ws.clients.assistants.getAssistant({ workspaceId: ws.workspaceId, assistantId: "x" }),
        Code.InvalidArgument,
        { message: /assistant_id/ },
      );
    });
  });

  describe("ListAssistants", () => {
    it("pages through a workspace's assistants oldest first", async () => {
      const own = await addWorkspace(stack, ws);
      const created: string[] = [];
      for (const name of ["A1", "A2", "A3", "A4", "A5"]) {
        const { assistant } = await ws.clients.assistants.createAssistant({
          workspaceId: own.workspaceId,
          name,
          model: offline,
        });
        created.push(assistant?.id ?? "");
      }
      const seen: string[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const res = await ws.clients.assistants.listAssistants({
          workspaceId: own.workspaceId,
          pageSize: 2,
          pageToken,
        });
        seen.push(...res.assistants.map((a) => a.id));
        pageToken = res.nextPageToken;
        pages++;
      } while (pageToken !== "" && pages < 10);
      assert.deepEqual(seen, created);
      assert.equal(pages, 3);

      const all = await ws.clients.assistants.listAssistants({ workspaceId: own.workspaceId });
      assert.equal(all.assistants.length, 5);
      assert.equal(all.nextPageToken, "");
    });

    it("coerces a page size above 100 to 100 instead of refusing it", async () => {
      // Its own tenant: 101 assistants written as the database owner, past the plan's limit, which
      // this test is not about.
      const own = await signUp(stack);
      const ids = Array.from({ length: 101 }, () => newId());
      await adminQuery(
        `insert into assistant.assistants (id, tenant_id, workspace_id, name)
         select id, $2, $3, 'Bulk ' || n from unnest($1::uuid[]) with ordinality as t(id, n)`,
        [ids, own.tenantId, own.workspaceId],
      );
      const first = await own.clients.assistants.listAssistants({
        workspaceId: own.workspaceId,
        pageSize: 500,
      });
      assert.deepEqual(
        first.assistants.map((a) => a.id),
        ids.slice(0, 100),
      );
      assert.notEqual(first.nextPageToken, "");
      const rest = await own.clients.assistants.listAssistants({
        workspaceId: own.workspaceId,
        pageSize: 500,
        pageToken: first.nextPageToken,
      });
      assert.deepEqual(
        rest.assistants.map((a) => a.id),
        ids.slice(100),
      );
      assert.equal(rest.nextPageToken, "");
      await expectConnectError(
        own.clients.assistants.listAssistants({ workspaceId: own.workspaceId, pageSize: -1 }),
        Code.InvalidArgument,
        { message: /page_size/ },
      );
    });

    it("rejects a page token from another list or from nowhere with INVALID_PAGE_TOKEN", async () => {
      const first = await ws.clients.assistants.listAssistants({
        workspaceId: ws.workspaceId,
        pageSize: 1,
      });
      const token = first.nextPageToken;
      assert.notEqual(token, "");
      const other = await addWorkspace(stack, ws);
      for (const [workspaceId, pageToken] of [
        [other.workspaceId, token],
        [ws.workspaceId, "garbage"],
      ] as const) {
        const err = await expectConnectError(
          ws.clients.assistants.listAssistants({ workspaceId, pageToken }),
          Code.InvalidArgument,
          { message: /page_token/ },
        );
        assert.equal(errorInfoOf(err)?.reason, "INVALID_PAGE_TOKEN");
      }
    });
  });

  describe("UpdateAssistant", () => {
    it("changes only the fields of the mask, resets a listed unset duration, and announces it", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Before",
        instructions: "keep me",
        model: offline,
        bufferWindow: durationFromMs(10_000),
      });
      const id = assistant?.id ?? "";
      const { assistant: updated } = await ws.clients.assistants.updateAssistant({
        workspaceId: ws.workspaceId,
        assistantId: id,
        updateMask: { paths: ["name", "model", "buffer_window", "language", "handoff"] },
        name: "After",
        instructions: "ignored: not in the mask",
        model: { provider: ModelProvider.ANTHROPIC, model: "claude-sonnet-4" },
        language: "",
      });
      assert.equal(updated?.name, "After");
      assert.equal(updated?.instructions, "keep me");
      assert.equal(updated?.model?.provider, ModelProvider.ANTHROPIC);
      assert.equal(updated?.model?.model, "claude-sonnet-4");
      assert.equal(updated?.language, "");
      assert.equal(durationMs(updated?.bufferWindow ?? durationFromMs(-1)), 3_000);
      assert.ok((updated?.updatedAt?.seconds ?? 0n) >= (assistant?.updatedAt?.seconds ?? 0n));

      const rows = await adminQuery<{ name: string; instructions: string; model_provider: string }>(
        "select name, instructions, model_provider from assistant.assistants where id = $1",
        [id],
      );
      assert.deepEqual(rows, [{ name: "After", instructions: "keep me", model_provider: "anthropic" }]);
      await events.waitFor((e) => e.assistant?.id === id && e.assistant.name === "After");
    });

    it("rejects bad masks and values naming the field", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Masked",
        model: offline,
      });
      const base = { workspaceId: ws.workspaceId, assistantId: assistant?.id ?? "" };
      await expectConnectError(ws.clients.assistants.updateAssistant({ ...base }), Code.InvalidArgument, {
        message: /update_mask/,
      });
      await expectConnectError(
        ws.clients.assistants.updateAssistant({ ...base, updateMask: { paths: [] } }),
        Code.InvalidArgument,
        { message: /update_mask/ },
      );
      await expectConnectError(
        ws.clients.assistants.updateAssistant({ ...base, updateMask: { paths: ["tenant_id"] } }),
        Code.InvalidArgument,
        { message: /update_mask/ },
      );
      await expectConnectError(
        ws.clients.assistants.updateAssistant({ ...base, updateMask: { paths: ["name"] } }),
        Code.InvalidArgument,
        { message: /name must not be empty/ },
      );
      await expectConnectError(
        ws.clients.assistants.updateAssistant({ ...base, updateMask: { paths: ["model"] } }),
        Code.InvalidArgument,
        { message: /model must be set/ },
      );
    });

    it("refuses an update made from a stale read with ABORTED ETAG_MISMATCH (AIP-154)", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Guarded by etag",
        model: offline,
      });
      const id = assistant?.id ?? "";
      const read = assistant?.etag ?? "";
      assert.notEqual(read, "");
      const got = await ws.clients.assistants.getAssistant({ workspaceId: ws.workspaceId, assistantId: id });
      assert.equal(got.assistant?.etag, read, "a read without a change keeps the etag");

      const change = (etag: string, instructions: string) =>
        ws.clients.assistants.updateAssistant({
          workspaceId: ws.workspaceId,
          assistantId: id,
          updateMask: { paths: ["instructions"] },
          instructions,
          etag,
        });
      const first = await change(read, "first writer");
      assert.notEqual(first.assistant?.etag, read, "a change gives a new etag");
      const err = await expectConnectError(change(read, "second writer"), Code.Aborted, { message: /etag/ });
      assert.equal(errorInfoOf(err)?.reason, "ETAG_MISMATCH");
      assert.deepEqual(errorInfoOf(err)?.metadata, { resource: "assistant", id });
      const rows = await adminQuery<{ instructions: string }>(
        "select instructions from assistant.assistants where id = $1",
        [id],
      );
      assert.deepEqual(rows, [{ instructions: "first writer" }]);

      // A binding changes the assistant as the contract shows it: its etag moves too.
      const channelId = await stack.identity.createWebChannel(ws);
      await ws.clients.assistants.bindChannel({ workspaceId: ws.workspaceId, assistantId: id, channelId });
      await expectConnectError(change(first.assistant?.etag ?? "", "after the bind"), Code.Aborted, {
        message: /etag/,
      });
      // The current etag, or none (unconditional), goes through.
      const current = await ws.clients.assistants.getAssistant({
        workspaceId: ws.workspaceId,
        assistantId: id,
      });
      await change(current.assistant?.etag ?? "", "with the current etag");
      await change("", "unconditional");
    });

    it("answers not_found for an unknown assistant and already_exists for a taken name", async () => {
      await expectConnectError(
        ws.clients.assistants.updateAssistant({
          workspaceId: ws.workspaceId,
          assistantId: newId(),
          updateMask: { paths: ["enabled"] },
        }),
        Code.NotFound,
        { message: /assistant .* not found/ },
      );
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Renamer",
        model: offline,
      });
      await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Taken",
        model: offline,
      });
      await expectConnectError(
        ws.clients.assistants.updateAssistant({
          workspaceId: ws.workspaceId,
          assistantId: assistant?.id ?? "",
          updateMask: { paths: ["name"] },
          name: "TAKEN",
        }),
        Code.AlreadyExists,
        { message: /TAKEN/ },
      );
    });
  });

  describe("DeleteAssistant", () => {
    it("deletes the assistant and announces it as deleted", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Short-lived",
        model: offline,
      });
      const id = assistant?.id ?? "";
      await ws.clients.assistants.deleteAssistant({ workspaceId: ws.workspaceId, assistantId: id });
      const rows = await adminQuery("select id from assistant.assistants where id = $1", [id]);
      assert.equal(rows.length, 0);
      const [event] = await events.waitFor((e) => e.assistant?.id === id && e.deleted);
      assert.equal(event?.meta?.tenantId, ws.tenantId);
      await expectConnectError(
        ws.clients.assistants.getAssistant({ workspaceId: ws.workspaceId, assistantId: id }),
        Code.NotFound,
        { message: /not found/ },
      );
      await expectConnectError(
        ws.clients.assistants.deleteAssistant({ workspaceId: ws.workspaceId, assistantId: id }),
        Code.NotFound,
        { message: /not found/ },
      );
    });

    it("refuses a delete made from a stale read with ABORTED ETAG_MISMATCH", async () => {
      const { assistant } = await ws.clients.assistants.createAssistant({
        workspaceId: ws.workspaceId,
        name: "Deleted with care",
        model: offline,
      });
      const id = assistant?.id ?? "";
      const { assistant: changed } = await ws.clients.assistants.updateAssistant({
        workspaceId: ws.workspaceId,
        assistantId: id,
        updateMask: { paths: ["enabled"] },
        enabled: false,
      });
      const err = await expectConnectError(
        ws.clients.assistants.deleteAssistant({
          workspaceId: ws.workspaceId,
          assistantId: id,
          etag: assistant?.etag ?? "",
        }),
        Code.Aborted,
        { message: /etag/ },
      );
      assert.equal(errorInfoOf(err)?.reason, "ETAG_MISMATCH");
      assert.equal((await adminQuery("select id from assistant.assistants where id = $1", [id])).length, 1);
      await ws.clients.assistants.deleteAssistant({
        workspaceId: ws.workspaceId,
        assistantId: id,
        etag: changed?.etag ?? "",
      });
      assert.equal((await adminQuery("select id from assistant.assistants where id = $1", [id])).length, 0);
    });
  });

  describe("actions", () => {
    it("answer unimplemented with reason UNIMPLEMENTED once the caller is let through", async () => {
      const err = await expectConnectError(
        ws.clients.assistants.listActions({
          workspaceId: ws.workspaceId,
          assistantId: newId(),
          pageSize: 500,
        }),
        Code.Unimplemented,
        { message: /\S/ },
      );
      assert.equal(errorInfoOf(err)?.reason, "UNIMPLEMENTED");
    });
  });
});
