import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ModelProvider } from "@atendo/proto/common/v1";
import { Plan } from "@atendo/proto/tenant/v1";
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

    it("refuses to pass the plan's limit of assistants", async () => {
      const free = await signUp(stack, { plan: Plan.FREE }); // FREE allows one assistant
      await free.clients.assistants.createAssistant({
        workspaceId: free.workspaceId,
        name: "One",
        model: offline,
      });
      await expectConnectError(
        free.clients.assistants.createAssistant({
          workspaceId: free.workspaceId,
          name: "Two",
          model: offline,
        }),
        Code.FailedPrecondition,
        { message: /assistants limit reached/ },
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
      await expectConnectError(
        ws.clients.assistants.getAssistant({ workspaceId: sibling.workspaceId, assistantId: id }),
        Code.NotFound,
        { message: new RegExp(`assistant ${id} not found`) },
      );
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
          page: { pageSize: 2, pageToken },
        });
        seen.push(...res.assistants.map((a) => a.id));
        pageToken = res.page?.nextPageToken ?? "";
        pages++;
      } while (pageToken !== "" && pages < 10);
      assert.deepEqual(seen, created);
      assert.equal(pages, 3);

      const all = await ws.clients.assistants.listAssistants({ workspaceId: own.workspaceId });
      assert.equal(all.assistants.length, 5);
      assert.equal(all.page?.nextPageToken, "");
    });

    it("rejects a page token that is not from this list", async () => {
      const first = await ws.clients.assistants.listAssistants({
        workspaceId: ws.workspaceId,
        page: { pageSize: 1 },
      });
      const token = first.page?.nextPageToken ?? "";
      assert.notEqual(token, "");
      const other = await addWorkspace(stack, ws);
      await expectConnectError(
        ws.clients.assistants.listAssistants({ workspaceId: other.workspaceId, page: { pageToken: token } }),
        Code.InvalidArgument,
        { message: /page\.page_token/ },
      );
      await expectConnectError(
        ws.clients.assistants.listAssistants({ workspaceId: ws.workspaceId, page: { pageToken: "garbage" } }),
        Code.InvalidArgument,
        { message: /page\.page_token/ },
      );
      await expectConnectError(
        ws.clients.assistants.listAssistants({ workspaceId: ws.workspaceId, page: { pageSize: 101 } }),
        Code.InvalidArgument,
        { message: /page_size/ },
      );
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
  });
});
