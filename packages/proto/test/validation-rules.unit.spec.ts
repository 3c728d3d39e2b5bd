// The protovalidate rules of the contracts, run with the validator the services use: every message
// compiles its rules (CEL included), and representative good and bad requests get the verdicts the
// contract promises, naming the offending field.
import assert from "node:assert/strict";
import * as ai from "@atendo/proto/ai/v1";
import * as asst from "@atendo/proto/assistant/v1";
import * as common from "@atendo/proto/common/v1";
import * as conv from "@atendo/proto/conversation/v1";
import * as delivery from "@atendo/proto/delivery/v1";
import * as ingress from "@atendo/proto/ingress/v1";
import { registry } from "@atendo/proto/registry";
import * as tenant from "@atendo/proto/tenant/v1";
import { create, type DescMessage, fromJson, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { durationFromMs, FieldMaskSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";

const v = createValidator();

function check<D extends DescMessage>(
  label: string,
  schema: D,
  init: MessageInitShape<D>,
  want: "valid" | string,
): void {
  it(`${label}: ${want}`, () => {
    const r = v.validate(schema, create(schema, init));
    if (want === "valid") {
      assert.equal(r.kind, "valid", r.kind === "invalid" ? r.violations.map(String).join(" | ") : "");
      return;
    }
    assert.equal(r.kind, "invalid", `expected a violation mentioning ${want}`);
    if (r.kind !== "invalid") return;
    const got = r.violations.map((x) => x.toString()).join(" | ");
    assert.ok(got.includes(want), `violations "${got}" do not mention "${want}"`);
  });
}

describe("contract rules (protovalidate)", () => {
  it("compiles the rules of every message without a runtime error", () => {
    const errors: string[] = [];
    let count = 0;
    for (const t of registry) {
      if (t.kind !== "message" || !t.typeName.startsWith("atendo.")) continue;
      count++;
      const r = v.validate(t, create(t));
      if (r.kind === "error") errors.push(`${t.typeName}: ${r.error.message}`);
    }
    assert.ok(count > 200, `only ${count} messages`);
    assert.deepEqual(errors, []);
  });

  const ws = "0190f5a4-7c1d-7b3e-9a2b-1c2d3e4f5a6b";
  const id2 = "0190f5a4-7c1d-7b3e-9a2b-1c2d3e4f5a6c";
  const mask = (...paths: string[]) => create(FieldMaskSchema, { paths });
  const text = (body: string) => ({ content: { case: "text" as const, value: { body } } });

  // AIP-158: 0 is the default size and a size above the maximum is coerced, not refused.
  check("page size 0 ok", tenant.ListChannelsRequestSchema, { workspaceId: ws, pageSize: 0 }, "valid");
  check("page size 5000 ok", tenant.ListChannelsRequestSchema, { workspaceId: ws, pageSize: 5000 }, "valid");
  check("page size -1", tenant.ListChannelsRequestSchema, { workspaceId: ws, pageSize: -1 }, "page_size");
  check(
    "time range order",
    common.TimeRangeSchema,
    { startTime: timestampFromMs(2000), endTime: timestampFromMs(1000) },
    "end_time must be after",
  );
  check("message needs content", common.MessageSchema, {}, "content");
  check("text ok", common.MessageSchema, text("hi"), "valid");
  check("empty text", common.MessageSchema, text(""), "body");
  check(
    "voice on image",
    common.MediaContentSchema,
    { kind: common.MediaKind.IMAGE, voice: true, media: { url: "https://x.test/a.jpg" } },
    "voice is only valid",
  );
  check(
    "audio voice ok",
    common.MediaContentSchema,
    {
      kind: common.MediaKind.AUDIO,
      voice: true,
      media: { channelMediaId: "123", mimeType: "audio/ogg; codecs=opus" },
    },
    "valid",
  );
  check(
    "media needs locator",
    common.MediaContentSchema,
    { kind: common.MediaKind.AUDIO, media: {} },
    "channel_media_id or url",
  );
  check("latitude", common.LocationContentSchema, { latitude: 91, longitude: 0 }, "latitude");

  check(
    "create tenant ok",
    tenant.CreateTenantRequestSchema,
    { name: "Acme", slug: "acme", plan: tenant.Plan.PRO },
    "valid",
  );
  check(
    "create tenant bad slug",
    tenant.CreateTenantRequestSchema,
    { name: "Acme", slug: "-acme", plan: tenant.Plan.PRO },
    "slug",
  );
  check("create tenant no plan", tenant.CreateTenantRequestSchema, { name: "Acme", slug: "acme" }, "plan");
  check(
    "create tenant bad email",
    tenant.CreateTenantRequestSchema,
    { name: "A", slug: "acme", plan: 1, ownerEmail: "nope" },
    "owner_email",
  );
  check(
    "update tenant name in mask",
    tenant.UpdateTenantRequestSchema,
    { tenantId: ws, updateMask: mask("name") },
    "name must not be empty",
  );
  check(
    "update tenant ok",
    tenant.UpdateTenantRequestSchema,
    { tenantId: ws, updateMask: mask("name"), name: "B" },
    "valid",
  );
  check(
    "update tenant bad path",
    tenant.UpdateTenantRequestSchema,
    { tenantId: ws, updateMask: mask("slug") },
    "update_mask",
  );
  check(
    "update tenant empty mask",
    tenant.UpdateTenantRequestSchema,
    { tenantId: ws, updateMask: mask() },
    "at least one field",
  );
  check(
    "update tenant sub path ok",
    tenant.UpdateTenantRequestSchema,
    { tenantId: ws, updateMask: mask("limits.channels"), limits: { channels: 3 } },
    "valid",
  );
  check("get tenant bad id", tenant.GetTenantRequestSchema, { tenantId: "nope" }, "tenant_id");
  check(
    "create workspace ok",
    tenant.CreateWorkspaceRequestSchema,
    { tenantId: ws, name: "Main", timeZone: "America/Sao_Paulo" },
    "valid",
  );
  check(
    "create channel ok",
    tenant.CreateChannelRequestSchema,
    {
      workspaceId: ws,
      name: "WA",
      config: {
        case: "whatsapp",
        value: {
          phoneNumberId: "1234",
          wabaId: "5678",
          accessToken: "t",
          appSecret: "s",
          verifyToken: "v",
          graphApiBaseUrl: "http://127.0.0.1:7190",
        },
      },
    },
    "valid",
  );
  check(
    "create channel no config",
    tenant.CreateChannelRequestSchema,
    { workspaceId: ws, name: "WA" },
    "config",
  );
  check(
    "create channel bad version",
    tenant.CreateChannelRequestSchema,
    {
      workspaceId: ws,
      name: "WA",
      config: {
        case: "whatsapp",
        value: {
          phoneNumberId: "1",
          wabaId: "2",
          accessToken: "t",
          appSecret: "s",
          verifyToken: "v",
          graphApiVersion: "23",
        },
      },
    },
    "graph_api_version",
  );
  check(
    "create web channel ok",
    tenant.CreateChannelRequestSchema,
    {
      workspaceId: ws,
      name: "Site",
      config: { case: "web", value: { allowedOrigins: ["https://shop.example.com"] } },
    },
    "valid",
  );
  check(
    "update channel secret empty",
    tenant.UpdateChannelRequestSchema,
    { workspaceId: ws, channelId: id2, updateMask: mask("access_token") },
    "access_token must not be empty",
  );
  check(
    "resolve channel by site key",
    tenant.ResolveChannelRequestSchema,
    { key: { case: "siteKey", value: "pk_abcdefghijklmnop" } },
    "valid",
  );
  check("resolve channel nothing", tenant.ResolveChannelRequestSchema, {}, "key");
  check(
    "set status needs reason",
    tenant.SetChannelStatusRequestSchema,
    { tenantId: ws, channelId: id2, status: tenant.ChannelStatus.NEEDS_RECONNECT },
    "reason is required",
  );
  check(
    "set status active ok",
    tenant.SetChannelStatusRequestSchema,
    { tenantId: ws, channelId: id2, status: tenant.ChannelStatus.ACTIVE },
    "valid",
  );
  check(
    "api key scopes",
    tenant.CreateApiKeyRequestSchema,
    { workspaceId: ws, name: "k", scopes: ["conversations:read", "root"] },
    "scopes",
  );
  check(
    "api key ok",
    tenant.CreateApiKeyRequestSchema,
    { workspaceId: ws, name: "k", scopes: ["conversations:read"] },
    "valid",
  );
  check(
    "api key past expiry",
    tenant.CreateApiKeyRequestSchema,
    { workspaceId: ws, name: "k", scopes: ["analytics:read"], expiresAt: timestampFromMs(1000) },
    "expires_at",
  );
  check(
    "signup short password",
    tenant.SignUpRequestSchema,
    { email: "a@b.co", password: "short", name: "A", tenantName: "T" },
    "password",
  );

  check("widget start ok", ingress.StartSessionRequestSchema, { siteKey: "pk_abcdefghijklmnop" }, "valid");
  check(
    "widget hash without user",
    ingress.StartSessionRequestSchema,
    { siteKey: "pk_abcdefghijklmnop", visitor: { identityHash: "a".repeat(64) } },
    "identity_hash requires user_id",
  );
  check(
    "widget send media",
    ingress.SendMessageRequestSchema,
    {
      requestId: id2,
      message: { content: { case: "media", value: { kind: 2, url: "https://x.test/a.png" } } },
    },
    "the widget can send",
  );
  check(
    "widget send ok",
    ingress.SendMessageRequestSchema,
    { requestId: id2, message: text("hello") },
    "valid",
  );

  check(
    "list conversations statuses",
    conv.ListConversationsRequestSchema,
    { workspaceId: ws, statuses: [0] },
    "statuses",
  );
  check(
    "list conversations exclusive",
    conv.ListConversationsRequestSchema,
    { workspaceId: ws, unassigned: true, assigneeUserId: id2 },
    "exclusive",
  );
  check(
    "agent reply ok",
    conv.SendAgentReplyRequestSchema,
    { workspaceId: ws, conversationId: id2, requestId: id2, message: text("hi") },
    "valid",
  );
  check(
    "agent reply no message",
    conv.SendAgentReplyRequestSchema,
    { workspaceId: ws, conversationId: id2, requestId: id2 },
    "message",
  );
  check(
    "follow-up needs when",
    conv.ScheduleFollowUpRequestSchema,
    { workspaceId: ws, conversationId: id2, message: text("hi") },
    "when",
  );
  check(
    "follow-up delay ok",
    conv.ScheduleFollowUpRequestSchema,
    {
      workspaceId: ws,
      conversationId: id2,
      when: { case: "delay", value: durationFromMs(3_600_000) },
      message: text("hi"),
    },
    "valid",
  );
  check(
    "follow-up delay short",
    conv.ScheduleFollowUpRequestSchema,
    {
      workspaceId: ws,
      conversationId: id2,
      when: { case: "delay", value: durationFromMs(1000) },
      message: text("hi"),
    },
    "delay",
  );
  check(
    "turn context ids",
    conv.GetTurnContextRequestSchema,
    { tenantId: ws, conversationId: id2, messageIds: [] },
    "message_ids",
  );
  check(
    "update contact phone",
    conv.UpdateContactRequestSchema,
    { workspaceId: ws, contactId: id2, updateMask: mask("phone"), phone: "12345" },
    "phone",
  );
  check(
    "update contact attr key",
    conv.UpdateContactRequestSchema,
    { workspaceId: ws, contactId: id2, updateMask: mask("attributes"), attributes: { "bad key": "x" } },
    "attributes",
  );
  check(
    "overview unbounded",
    conv.GetOverviewRequestSchema,
    { workspaceId: ws, timeRange: { startTime: timestampFromMs(0) } },
    "time_range needs",
  );
  const day = 86_400_000;
  check(
    "series hour span",
    conv.GetTimeSeriesRequestSchema,
    {
      workspaceId: ws,
      metric: 1,
      bucket: conv.Bucket.HOUR,
      timeRange: { startTime: timestampFromMs(0), endTime: timestampFromMs(8 * day) },
    },
    "at most 7 days",
  );
  check(
    "series day ok",
    conv.GetTimeSeriesRequestSchema,
    {
      workspaceId: ws,
      metric: 1,
      bucket: conv.Bucket.DAY,
      timeRange: { startTime: timestampFromMs(0), endTime: timestampFromMs(30 * day) },
    },
    "valid",
  );

  check(
    "assistant ok",
    asst.CreateAssistantRequestSchema,
    {
      workspaceId: ws,
      name: "Ana",
      model: { provider: common.ModelProvider.OPENAI, model: "gpt-4o-mini" },
      bufferWindow: durationFromMs(0),
    },
    "valid",
  );
  check(
    "assistant offline no model ok",
    asst.CreateAssistantRequestSchema,
    { workspaceId: ws, name: "Ana", model: { provider: common.ModelProvider.OFFLINE } },
    "valid",
  );
  check(
    "assistant needs model name",
    asst.CreateAssistantRequestSchema,
    { workspaceId: ws, name: "Ana", model: { provider: common.ModelProvider.OPENAI } },
    "model is required",
  );
  check(
    "assistant buffer too long",
    asst.CreateAssistantRequestSchema,
    { workspaceId: ws, name: "Ana", model: { provider: 3 }, bufferWindow: durationFromMs(61_000) },
    "buffer_window",
  );
  check(
    "assistant temperature",
    asst.CreateAssistantRequestSchema,
    { workspaceId: ws, name: "Ana", model: { provider: 3, temperature: 2.5 } },
    "temperature",
  );
  check(
    "action bad url",
    asst.CreateActionRequestSchema,
    { workspaceId: ws, assistantId: id2, name: "lookup", description: "d", method: 1, url: "ftp://x" },
    "url",
  );
  check(
    "action bad header",
    asst.CreateActionRequestSchema,
    {
      workspaceId: ws,
      assistantId: id2,
      name: "lookup",
      description: "d",
      method: 1,
      url: "https://x.test",
      headers: [{ name: "Bad Header" }],
    },
    "name",
  );
  check(
    "upload chunk too big",
    asst.UploadDocumentRequestSchema,
    { part: { case: "chunk", value: new Uint8Array(1048577) } },
    "chunk",
  );
  check(
    "upload meta mime",
    asst.UploadDocumentRequestSchema,
    {
      part: {
        case: "metadata",
        value: {
          workspaceId: ws,
          knowledgeBaseId: id2,
          filename: "a.exe",
          mimeType: "application/x-msdownload",
          sizeBytes: 10,
        },
      },
    },
    "mime_type",
  );

  check(
    "generate reply last from customer",
    ai.GenerateReplyRequestSchema,
    { workspaceId: ws, assistantId: id2, messages: [{ role: ai.ChatRole.ASSISTANT, message: text("hi") }] },
    "last message must be from the customer",
  );
  check(
    "generate reply empty",
    ai.GenerateReplyRequestSchema,
    { workspaceId: ws, assistantId: id2, messages: [] },
    "messages",
  );
  check(
    "generate reply ok",
    ai.GenerateReplyRequestSchema,
    { workspaceId: ws, assistantId: id2, messages: [{ role: ai.ChatRole.CUSTOMER, message: text("hi") }] },
    "valid",
  );
  check(
    "interpret a url needs its kind",
    ai.InterpretMediaRequestSchema,
    { workspaceId: ws, source: { case: "url", value: "https://x.test/a.ogg" } },
    "kind is required with url",
  );
  check(
    "search kb ids",
    ai.SearchKnowledgeRequestSchema,
    { workspaceId: ws, query: "q", knowledgeBaseIds: [] },
    "knowledge_base_ids",
  );

  check(
    "subscription event type",
    delivery.CreateSubscriptionRequestSchema,
    { workspaceId: ws, url: "https://hooks.test/x", eventTypes: ["message.created"] },
    "event_types",
  );
  check(
    "subscription ok",
    delivery.CreateSubscriptionRequestSchema,
    {
      workspaceId: ws,
      url: "https://hooks.test/x",
      eventTypes: ["atendo.conversation.v1.*", "atendo.delivery.v1.status_changed"],
    },
    "valid",
  );
  check(
    "attempts of every message",
    delivery.ListAttemptsRequestSchema,
    { workspaceId: ws, messageId: "-" },
    "valid",
  );
  check(
    "attempts of one message",
    delivery.ListAttemptsRequestSchema,
    { workspaceId: ws, messageId: id2 },
    "valid",
  );
  check(
    "attempts need a message or -",
    delivery.ListAttemptsRequestSchema,
    { workspaceId: ws },
    "message_id",
  );
  check(
    "page size above 100 is coerced, not refused",
    delivery.ListAttemptsRequestSchema,
    { workspaceId: ws, messageId: "-", pageSize: 1000 },
    "valid",
  );
  check(
    "negative page size",
    ingress.ListWebhookEventsRequestSchema,
    { workspaceId: ws, pageSize: -1 },
    "page_size",
  );
  check(
    "request id is a uuid",
    ingress.ReplayWebhookEventRequestSchema,
    { workspaceId: ws, webhookEventId: id2, requestId: "retry-1" },
    "request_id",
  );
  check(
    "delete with an etag",
    delivery.DeleteSubscriptionRequestSchema,
    { workspaceId: ws, subscriptionId: id2, etag: 'W/"abc"' },
    "valid",
  );
  check(
    "rotate grace",
    delivery.RotateSigningSecretRequestSchema,
    { workspaceId: ws, subscriptionId: id2, gracePeriod: durationFromMs(8 * day) },
    "grace_period",
  );

  it("keeps int64 sums as bigint and round-trips events through JSON with the registry", () => {
    const usage = create(common.UsageSchema, {
      inputTokens: 12n,
      outputTokens: 3n,
      cost: { currencyCode: "USD", nanos: 5000 },
    });
    assert.equal(typeof usage.inputTokens, "bigint");
    const ev = create(ai.ReplyGeneratedSchema, {
      turnEpoch: 7,
      parts: [{ part: { case: "text", value: { body: "hi" } } }],
      usage,
    });
    const back = fromJson(ai.ReplyGeneratedSchema, toJson(ai.ReplyGeneratedSchema, ev, { registry }), {
      registry,
    });
    assert.equal(back.turnEpoch, 7);
    assert.equal(back.usage?.inputTokens, 12n);
    assert.equal(back.parts[0]?.part.case, "text");
  });
});
