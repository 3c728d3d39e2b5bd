// The whole product as `npm run dev` runs it: the six services as real processes (launcher +
// serviceEnv), the demo seeded through their RPCs by its signed-up owner, the local edge, and the
// fake Graph API. Calls through the edge need the owner's token; a signed WhatsApp webhook posted at
// the edge comes back as a reply sent to the customer, a signed Instagram one lands in a
// conversation, and the web-chat widget's demo page is served with the seeded site key.
import assert from "node:assert/strict";
import { randomInt, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ChannelType, Direction } from "@atendo/proto/common/v1";
import { ConversationService } from "@atendo/proto/conversation/v1";
import {
  AuthService,
  ChannelDirectoryService,
  ChannelService,
  TenantService,
  TokenService,
} from "@atendo/proto/tenant/v1";
import { createJwksVerifier } from "@atendo/service-kit";
import type { FakeGraph } from "@atendo/testing";
import { readFixture, signMeta, uniqueNamespace, waitFor } from "@atendo/testing";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { refreshInstagramBody, refreshWebhookBody } from "../scripts/lib/demo-webhook.js";
import type { EdgeRequest } from "../scripts/lib/dev-logins.js";
import { ACCESS_TOKEN_ERE, listChannelsRequest, loginRequest } from "../scripts/lib/dev-logins.js";
import { widgetDemoOrigins } from "../scripts/lib/dev-ports.js";
import type { DevSummaryInput } from "../scripts/lib/dev-summary.js";
import { instagramConversationsRequest, verifyCurl, webhookCurl } from "../scripts/lib/dev-summary.js";
import type { Edge } from "../scripts/lib/edge.js";
import { createEdge } from "../scripts/lib/edge.js";
import type { DemoSeed } from "../scripts/lib/seed.js";
import { seedDemo } from "../scripts/lib/seed.js";
import type { ServiceName } from "../scripts/lib/stack.js";
import { SERVICES } from "../scripts/lib/stack.js";
import { createConnectClient } from "../scripts/lib/widget-demo/connect-fetch.js";
import type { WidgetDemo } from "../scripts/lib/widget-demo/widget-demo-server.js";
import { startWidgetDemo } from "../scripts/lib/widget-demo/widget-demo-server.js";
import { freePorts } from "./support/free-ports.js";
import { type Product, startProduct } from "./support/product.js";

const CUSTOMER = "5511987654321"; // the fixture's sender
// Failed logins one client address may make per window (low, so the test can reach it).
const MAX_FAILURES_PER_IP = 3;

const send = (req: EdgeRequest, headers: Record<string, string> = {}) =>
  fetch(req.url, { method: req.method, headers: { ...req.headers, ...headers }, body: req.body });

const errorOf = (p: Promise<unknown>): Promise<ConnectError | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );

describe("the dev stack end to end (six service processes, seed, edge)", function () {
  this.timeout(120_000);
  let product: Product;
  let edge: Edge;
  let edgeUrl: string;
  let seed: DemoSeed;
  let graph: FakeGraph;
  let spec: DemoSeed["spec"];
  let page: WidgetDemo;
  let pageOrigins: string[];
  const url = (name: ServiceName): string => product.url(name);
  const asOwner = () => ({ headers: { authorization: `Bearer ${seed.ownerAccessToken}` } });

  // Listed in PLATFORM_ADMIN_EMAILS and not signed up: whoever signs up with it first must prove it.
  let listed: string;

  before(async () => {
    const ns = uniqueNamespace("seed");
    const run = ns.replace(/_/g, "-");
    const adminEmail = `admin-${run}@e2e.atendo.local`;
    listed = `listed-${run}@e2e.atendo.local`;
    // The widget page's port is known before the seed, which allows its origins on the web channel.
    const [pagePort = 0] = await freePorts(1);
    pageOrigins = widgetDemoOrigins(pagePort);
    product = await startProduct({
      spec: {
        adminEmail,
        // phone_number_id is unique among a tenant's live WhatsApp channels: one of our own.
        phoneNumberId: `1${String(randomInt(10 ** 9, 10 ** 10 - 1))}${String(randomInt(10 ** 4, 10 ** 5 - 1))}`,
        appSecret: `e2e-app-secret-${ns}`,
        verifyToken: `e2e-verify-${ns}`,
        accessToken: `e2e-token-${ns}`,
        webOrigins: pageOrigins,
      },
      extra: {
        tenant: {
          LOGIN_MAX_FAILURES_PER_IP: String(MAX_FAILURES_PER_IP),
          PLATFORM_ADMIN_EMAILS: `${adminEmail},${listed}`,
        },
      },
    });
    seed = product.seed;
    spec = seed.spec;
    graph = product.graph;
    // As in `npm run dev`: the page's origins are among the edge's CORS origins (devCorsOrigins).
    edge = createEdge({
      upstreams: Object.fromEntries(SERVICES.map((s) => [s, url(s)])),
      corsOrigins: pageOrigins,
    });
    edgeUrl = `http://127.0.0.1:${await edge.listen(0)}`;
    page = await startWidgetDemo({ edgeUrl, siteKey: seed.siteKey, port: pagePort });
  });

  after(async () => {
    await page?.close();
    await edge?.close(500);
    const exits = await product?.stop();
    // SIGTERM is a clean shutdown for every service.
    for (const [name, code] of exits ?? []) {
      assert.equal(code, 0, `${name} exited with ${code}:\n${product.output(name).slice(-20).join("\n")}`);
    }
  });

  it("seeds the demo once: a second run finds the same tenant, workspace, channel and assistant", async () => {
    const again = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec,
    });
    const ids = (d: DemoSeed) => [
      d.tenantId,
      d.workspaceId,
      d.channelId,
      d.instagramChannelId,
      d.webChannelId,
      d.siteKey,
      d.assistantId,
    ];
    assert.deepEqual(ids(again), ids(seed));
    assert.deepEqual(again.changed, [], "nothing to create or change the second time");
    assert.deepEqual(seed.changed, [
      "platform admin",
      "owner",
      "tenant",
      "workspace",
      "channel",
      "instagram channel",
      "web channel",
      "assistant",
      "channel binding",
      "instagram channel binding",
      "web channel binding",
    ]);
    assert.deepEqual([seed.slug, seed.warnings], [spec.slug, []]);
    assert.equal(seed.platformAdmin, true, "PLATFORM_ADMIN_EMAILS made the seeded admin a platform admin");
    // The second run logged the same people in: their tokens name the same users and tenants.
    const me = (token: string) =>
      createClient(AuthService, createGrpcTransport({ baseUrl: url("tenant") })).getCurrentUser(
        {},
        { headers: { authorization: `Bearer ${token}` } },
      );
    const [owner, admin] = await Promise.all([me(again.ownerAccessToken), me(again.adminAccessToken)]);
    assert.deepEqual(
      [owner.user?.email, owner.tenant?.id, owner.platformAdmin],
      [spec.ownerEmail, seed.tenantId, false],
    );
    assert.deepEqual([admin.user?.email, admin.platformAdmin], [spec.adminEmail, true]);
    // Both proved their address with the link the development sender handled.
    assert.deepEqual([owner.user?.emailVerified, admin.user?.emailVerified], [true, true]);
  });

  it("verifies a demo owner an earlier run left unverified, with a new link from the development sender", async () => {
    const run = `${product.namespace.replace(/_/g, "-")}-late`;
    const late = { ownerEmail: `owner-${run}@e2e.atendo.local`, slug: run, tenantName: `Late ${run}` };
    // Signed up before verification existed (or by a run that stopped half-way): not verified.
    await createClient(AuthService, createGrpcTransport({ baseUrl: url("tenant") })).signUp({
      email: late.ownerEmail,
      password: spec.ownerPassword,
      name: spec.ownerName,
      tenantName: late.tenantName,
      tenantSlug: late.slug,
      workspaceName: spec.workspaceName,
    });
    const seeded = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec: { ...spec, ...late },
    });
    assert.ok(seeded.changed.includes("owner email"), seeded.changed.join(", "));
    assert.deepEqual(seeded.warnings, []);
    const me = await createClient(
      AuthService,
      createGrpcTransport({ baseUrl: url("tenant") }),
    ).getCurrentUser({}, { headers: { authorization: `Bearer ${seeded.ownerAccessToken}` } });
    assert.deepEqual([me.user?.email, me.user?.emailVerified], [late.ownerEmail, true]);
  });

  it("brings a changed channel back to the known secrets and Graph URL", async () => {
    const moved = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: `${graph.url}/elsewhere`,
      spec,
    });
    assert.deepEqual(moved.changed, ["channel secrets", "instagram channel secrets"]);
    const elsewhere = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec: { ...spec, webOrigins: ["https://elsewhere.example"] },
    });
    assert.deepEqual(elsewhere.changed, [
      "channel secrets",
      "instagram channel secrets",
      "web channel origins",
    ]);
    const back = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec,
    });
    assert.deepEqual(back.changed, ["web channel origins"]);
    assert.deepEqual(
      [back.channelId, back.instagramChannelId, back.webChannelId, back.siteKey],
      [seed.channelId, seed.instagramChannelId, seed.webChannelId, seed.siteKey],
    );
  });

  it("seeds an Instagram account and a web-chat widget beside WhatsApp, all three answered by the demo assistant", async () => {
    const channels = createClient(ChannelService, createGrpcTransport({ baseUrl: url("tenant") }));
    const get = async (channelId: string) =>
      (await channels.getChannel({ workspaceId: seed.workspaceId, channelId }, asOwner())).channel;
    const instagram = await get(seed.instagramChannelId);
    assert.equal(instagram?.type, ChannelType.INSTAGRAM);
    assert.ok(instagram?.config.case === "instagram");
    assert.deepEqual(
      [
        instagram.config.value.accountId,
        instagram.config.value.graphApiBaseUrl,
        instagram.config.value.appSecretHint,
        instagram.config.value.webhookPath,
      ],
      [
        "17841400000000001",
        graph.url,
        spec.appSecret.slice(-4),
        `/webhooks/instagram/${seed.instagramChannelId}`,
      ],
    );
    const web = await get(seed.webChannelId);
    assert.equal(web?.type, ChannelType.WEB);
    assert.ok(web?.config.case === "web");
    assert.match(seed.siteKey, /^pk_[A-Za-z0-9]{16,64}$/);
    assert.deepEqual(
      [web.config.value.siteKey, web.config.value.allowedOrigins, web.config.value.identityVerification],
      [seed.siteKey, pageOrigins, false],
    );
    const assistant = await createClient(
      AssistantService,
      createGrpcTransport({ baseUrl: url("assistant") }),
    ).getAssistant({ workspaceId: seed.workspaceId, assistantId: seed.assistantId }, asOwner());
    assert.deepEqual(
      [...(assistant.assistant?.channelIds ?? [])].sort(),
      [seed.channelId, seed.instagramChannelId, seed.webChannelId].sort(),
    );
  });

  it("logs in through the edge and calls an authenticated RPC, exactly as the printed curls do", async () => {
    const login = await send(loginRequest(edgeUrl, spec.ownerEmail, spec.ownerPassword));
    const text = await login.text();
    assert.equal(login.status, 200, text);
    // What the printed `sed -E` keeps of the answer.
    const token = new RegExp(ACCESS_TOKEN_ERE).exec(text)?.[1] ?? "";
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, "a JWT");
    const list = await send(listChannelsRequest(edgeUrl, seed.workspaceId, token));
    assert.equal(list.status, 200);
    const channels = ((await list.json()) as { channels: Array<{ id: string }> }).channels;
    assert.deepEqual(
      channels.map((c) => c.id),
      [seed.channelId, seed.instagramChannelId, seed.webChannelId],
    );
    // The same call without the token is refused (Connect's unauthenticated is HTTP 401).
    const anonymous = listChannelsRequest(edgeUrl, seed.workspaceId, "");
    const { authorization: _, ...headers } = anonymous.headers;
    const refused = await fetch(anonymous.url, { method: "POST", headers, body: anonymous.body });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, "unauthenticated");
    const wrong = await send(loginRequest(edgeUrl, spec.ownerEmail, "not-the-password"));
    assert.equal(wrong.status, 401, "a wrong password is refused");
  });

  it("refuses unauthenticated calls through the edge and serves logged-in ones in gRPC, gRPC-web and Connect", async () => {
    for (const [name, transport] of [
      ["gRPC", createGrpcTransport({ baseUrl: edgeUrl })],
      ["gRPC-web", createGrpcWebTransport({ baseUrl: edgeUrl, httpVersion: "1.1" })],
      ["Connect", createConnectTransport({ baseUrl: edgeUrl, httpVersion: "1.1" })],
    ] as const) {
      const auth = createClient(AuthService, transport);
      const tenants = createClient(TenantService, transport);
      const anonymous = await errorOf(tenants.getTenant({ tenantId: seed.tenantId }));
      assert.equal(anonymous?.code, Code.Unauthenticated, `${name}: no token`);
      const { tokens } = await auth.login({ email: spec.ownerEmail, password: spec.ownerPassword });
      const bearer = { headers: { authorization: `Bearer ${tokens?.accessToken ?? ""}` } };
      const res = await tenants.getTenant({ tenantId: seed.tenantId }, bearer);
      assert.equal(res.tenant?.slug, spec.slug, name);
      // A token that was tampered with is no token at all.
      const tampered = { headers: { authorization: `Bearer ${tokens?.accessToken ?? ""}x` } };
      const forged = await errorOf(tenants.getTenant({ tenantId: seed.tenantId }, tampered));
      assert.equal(forged?.code, Code.Unauthenticated, `${name}: tampered token`);
      // The platform admin's tenant is not the owner's: it does not exist for them.
      const me = await auth.getCurrentUser(
        {},
        { headers: { authorization: `Bearer ${seed.adminAccessToken}` } },
      );
      const other = await errorOf(tenants.getTenant({ tenantId: me.tenant?.id ?? "" }, bearer));
      assert.equal(other?.code, Code.NotFound, `${name}: another tenant`);
    }
  });

  it("publishes the tenant service's signing keys at the edge: the owner's token verifies with them", async () => {
    const res = await fetch(`${edgeUrl}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    const { keys } = (await res.json()) as { keys: Array<{ kid?: string; crv?: string; d?: string }> };
    assert.ok(keys.length > 0 && keys.every((k) => k.crv === "Ed25519" && k.kid !== undefined));
    assert.ok(
      keys.every((k) => k.d === undefined),
      "public keys only",
    );
    const verifier = createJwksVerifier({
      jwksUrl: `${edgeUrl}/.well-known/jwks.json`,
      issuer: product.auth.issuer,
    });
    const principal = await verifier.verify(seed.ownerAccessToken);
    assert.ok(principal.kind === "user" && principal.tenantId === seed.tenantId, JSON.stringify(principal));
  });

  it("makes a listed address a platform admin through the edge only once its mailed link was opened", async () => {
    const rpc = (path: string, body: unknown, token?: string) =>
      fetch(`${edgeUrl}/atendo.tenant.v1.${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      });
    const password = "listed-password-1";
    const signUp = await rpc("AuthService/SignUp", {
      email: listed,
      password,
      name: "Whoever",
      tenantName: "Whoever's",
    });
    assert.equal(signUp.status, 200, await signUp.clone().text());
    const first = (await signUp.json()) as { tokens: { accessToken: string } };
    const claims = (t: string) =>
      JSON.parse(Buffer.from(t.split(".")[1] ?? "", "base64url").toString()) as { padm?: boolean };
    assert.equal(claims(first.tokens.accessToken).padm, undefined, "no padm for an unproved address");
    const refused = await rpc("TenantService/ListTenants", {}, first.tokens.accessToken);
    assert.equal(refused.status, 403);

    // The owner of the mailbox opens the link the development sender got.
    const mailbox = await fetch(`${url("tenant")}/dev/mailbox?to=${encodeURIComponent(listed)}`);
    const { messages } = (await mailbox.json()) as { messages: Array<{ link: string }> };
    const token = new URLSearchParams(new URL(messages.at(-1)?.link ?? "http://x/").hash.slice(1)).get(
      "token",
    );
    assert.match(token ?? "", /^vrf_/);
    assert.equal((await rpc("AuthService/VerifyEmail", { token })).status, 200);
    const login = await send(loginRequest(edgeUrl, listed, password));
    const admin = ((await login.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
    assert.equal(claims(admin).padm, true);
    const listedTenants = await rpc("TenantService/ListTenants", {}, admin);
    assert.equal(listedTenants.status, 200);
  });

  it("keeps internal RPCs (ResolveChannel) away from the edge; only the services allowed reach them directly", async () => {
    const key = { case: "channelId" as const, value: seed.channelId };
    const viaEdge = createClient(ChannelDirectoryService, createGrpcTransport({ baseUrl: edgeUrl }));
    const edgeErr = await errorOf(
      viaEdge.resolveChannel({ key }, { headers: { authorization: `Bearer ${seed.ownerAccessToken}` } }),
    );
    assert.equal(
      edgeErr?.code,
      Code.Unimplemented,
      "the edge must not resolve channels (it returns secrets)",
    );
    const tokenViaEdge = await errorOf(
      createClient(TokenService, createGrpcTransport({ baseUrl: edgeUrl })).issueServiceToken({
        service: "ingress",
        credential: product.auth.credentials.ingress,
      }),
    );
    assert.equal(tokenViaEdge?.code, Code.Unimplemented, "service tokens are not handed out at the edge");

    const transport = createGrpcTransport({ baseUrl: url("tenant") });
    const direct = createClient(ChannelDirectoryService, transport);
    assert.equal((await errorOf(direct.resolveChannel({ key })))?.code, Code.Unauthenticated);
    const asOwner = { headers: { authorization: `Bearer ${seed.ownerAccessToken}` } };
    assert.equal((await errorOf(direct.resolveChannel({ key }, asOwner)))?.code, Code.PermissionDenied);
    // ingress trades this run's credential (not the development one) for a service token.
    const { serviceToken } = await createClient(TokenService, transport).issueServiceToken({
      service: "ingress",
      credential: product.auth.credentials.ingress,
    });
    const resolved = await direct.resolveChannel(
      { key },
      { headers: { authorization: `Bearer ${serviceToken}` } },
    );
    assert.equal(resolved.tenantId, seed.tenantId);
    const devCredential = await errorOf(
      createClient(TokenService, transport).issueServiceToken({
        service: "ingress",
        credential: "dev-service-credential-ingress",
      }),
    );
    assert.equal(devCredential?.code, Code.Unauthenticated, "the well-known credential is not this run's");
  });

  it("answers Meta's verify handshake through the edge", async () => {
    const q = new URLSearchParams({
      "hub.mode": "subscribe",
      "hub.verify_token": spec.verifyToken,
      "hub.challenge": "1158201444",
    });
    const res = await fetch(`${edgeUrl}/webhooks/whatsapp/${seed.channelId}?${q.toString()}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "1158201444");
  });

  it("turns a signed webhook at the edge into a reply sent to the customer through Graph", async () => {
    const body = refreshWebhookBody(readFixture("whatsapp/two-text-messages.json"), {
      nowSeconds: Math.floor(Date.now() / 1000),
      idSuffix: product.namespace.replace(/_/g, ""),
      phoneNumberId: spec.phoneNumberId,
    });
    const res = await fetch(`${edgeUrl}/webhooks/whatsapp/${seed.channelId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signMeta(spec.appSecret, body) },
      body,
    });
    assert.equal(res.status, 200, await res.text());
    const sends = await graph.waitForSends(1, 60_000);
    const reply = sends.find((s) => s.kind === "whatsapp_message");
    assert.ok(reply, `a message was sent: ${JSON.stringify(sends)}`);
    assert.equal(reply.businessId, spec.phoneNumberId);
    assert.equal(reply.to?.replace(/^\+/, ""), CUSTOMER);
    assert.equal(reply.headers.authorization, `Bearer ${spec.accessToken}`);
    const text = (reply.body as { text?: { body?: string } }).text?.body ?? "";
    assert.ok(text.length > 0, "the reply has text");
    assert.equal(reply.response.status, 200);
  });

  describe("what `npm run dev` prints for Instagram and the web chat", () => {
    let root: string;
    let input: DevSummaryInput;
    before(() => {
      // The files the dev run writes, in a folder of this test; the printed commands name them.
      root = mkdtempSync(join(tmpdir(), "atendo-dev-stack-"));
      mkdirSync(join(root, ".local", "dev"), { recursive: true });
      writeFileSync(
        join(root, ".local", "dev", "instagram-demo.json"),
        refreshInstagramBody(readFixture("instagram/two-messages.json"), {
          nowMs: Date.now(),
          idSuffix: product.namespace.replace(/_/g, ""),
        }),
      );
      input = {
        root,
        edgeUrl,
        graphUrl: graph.url,
        services: SERVICES.map((name) => ({ name, url: url(name) })),
        seed,
        webhookFile: ".local/dev/instagram-demo.json",
        instagramWebhookFile: ".local/dev/instagram-demo.json",
        widgetPageUrl: page.url,
      };
    });
    after(() => rmSync(root, { recursive: true, force: true }));
    // The URL of a printed curl (quoted for the shell, no quote inside).
    const urlOf = (command: string): string => /curl -i (?:-X POST )?'([^']+)'/.exec(command)?.[1] ?? "";

    it("answers Instagram's verify handshake through the edge, as printed (waits for the Instagram route)", async () => {
      const res = await fetch(urlOf(verifyCurl(input, "1158201444", "instagram")));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(await res.text(), "1158201444");
    });

    it("accepts the printed signed Instagram webhook and puts the customer's messages in a conversation (waits for the Instagram route)", async () => {
      const { command, signature } = webhookCurl(input, input.instagramWebhookFile, "instagram");
      const res = await fetch(urlOf(command), {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body: readFileSync(join(root, input.instagramWebhookFile)),
      });
      assert.equal(res.status, 200, await res.text());
      const conversations = createClient(
        ConversationService,
        createGrpcTransport({ baseUrl: url("conversation") }),
      );
      const texts = await waitFor(
        async () => {
          // The request behind the printed ListConversations curl, with the owner's token.
          const listed = await send(instagramConversationsRequest(input, seed.ownerAccessToken));
          assert.equal(listed.status, 200);
          const found =
            ((await listed.json()) as { conversations?: Array<{ id: string }> }).conversations ?? [];
          const conversation = found[0];
          if (conversation === undefined) return undefined;
          const { messages } = await conversations.listMessages(
            { workspaceId: seed.workspaceId, conversationId: conversation.id, oldestFirst: true },
            asOwner(),
          );
          const inbound = messages.filter((m) => m.direction === Direction.INBOUND);
          return inbound.length >= 2
            ? inbound.map((m) => (m.message?.content.case === "text" ? m.message.content.value.body : ""))
            : undefined;
        },
        {
          timeoutMs: 60_000,
          message: () => "the two Instagram messages in a conversation of the Instagram channel",
        },
      );
      assert.deepEqual(texts, ["hi, is the blue one in stock?", "size M"]);
    });

    it("serves the widget demo page with the site key, from an origin the edge and the web channel allow", async () => {
      const res = await fetch(input.widgetPageUrl);
      assert.equal(res.status, 200);
      assert.ok((await res.text()).includes(seed.siteKey), "the page embeds the site key");
      const origin = new URL(input.widgetPageUrl).origin;
      assert.ok(pageOrigins.includes(origin));
      // The browser's preflight for the page's Connect calls.
      const preflight = await fetch(`${edgeUrl}/atendo.ingress.v1.WidgetService/StartSession`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,connect-protocol-version,authorization",
        },
      });
      assert.ok(preflight.status === 204 || preflight.status === 200, String(preflight.status));
      assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
    });

    it("lets the page's visitor chat through the edge with the page's own Connect client, and the assistant's reply streams back (waits for the widget service)", async () => {
      const origin = new URL(input.widgetPageUrl).origin;
      // What the browser adds: the page's Origin; what it needs back: CORS on every answer.
      const client = createConnectClient({
        baseUrl: `${edgeUrl}/atendo.ingress.v1.WidgetService`,
        fetch: async (target, init) => {
          const res = await fetch(target, {
            ...init,
            headers: { ...(init?.headers as Record<string, string>), origin },
          });
          assert.equal(res.headers.get("access-control-allow-origin"), origin, String(target));
          return res;
        },
      });
      const session = await client.unary("StartSession", {
        siteKey: seed.siteKey,
        pageUrl: input.widgetPageUrl,
        locale: "pt-BR",
        requestId: randomUUID(),
      });
      const token = String(session.visitorToken);
      const requestId = randomUUID();
      const sent = (await client.unary(
        "SendMessage",
        { requestId, message: { text: { body: "Oi, vocês abrem sábado?" } } },
        token,
      )) as { message: { requestId: string; direction: string; cursor: string } };
      assert.deepEqual([sent.message.requestId, sent.message.direction], [requestId, "DIRECTION_INBOUND"]);
      // The stream from the sent message on: the reply comes whether it was made before or after.
      const abort = new AbortController();
      const deadline = setTimeout(() => abort.abort(), 60_000);
      let reply: { direction?: string; message?: { text?: { body?: string } } } | undefined;
      try {
        for await (const item of client.stream(
          "StreamMessages",
          { afterCursor: sent.message.cursor },
          token,
          abort.signal,
        )) {
          const message = item.message as typeof reply;
          if (message?.direction === "DIRECTION_OUTBOUND") {
            reply = message;
            break;
          }
        }
      } finally {
        clearTimeout(deadline);
        abort.abort();
      }
      assert.ok((reply?.message?.text?.body ?? "").length > 0, `a reply with text: ${JSON.stringify(reply)}`);
      // The history, which the page reads after a reconnect, has both.
      const history = (await client.unary("ListMessages", {}, token)) as {
        messages: Array<{ direction: string }>;
      };
      assert.deepEqual(history.messages.map((m) => m.direction).sort(), [
        "DIRECTION_INBOUND",
        "DIRECTION_OUTBOUND",
      ]);
      // Another site cannot start a session with this site key.
      const foreign = await fetch(`${edgeUrl}/atendo.ingress.v1.WidgetService/StartSession`, {
        method: "POST",
        headers: { origin: "https://elsewhere.example", "content-type": "application/json" },
        body: JSON.stringify({ siteKey: seed.siteKey }),
      });
      // (The edge lets any origin reach the widget's RPCs; the widget service checks the channel's.)
      assert.equal(foreign.status, 403, await foreign.clone().text());
      assert.equal(((await foreign.json()) as { code: string }).code, "permission_denied");
    });
  });

  it("refuses a webhook with a bad signature at the edge (401 from ingress)", async () => {
    const body = readFixture("whatsapp/two-text-messages.json");
    const res = await fetch(`${edgeUrl}/webhooks/whatsapp/${seed.channelId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signMeta("wrong-secret", body) },
      body,
    });
    assert.equal(res.status, 401);
  });

  it("answers 413 through the edge to a signed webhook over ingress's limit, declared or streamed", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, " ");
    body.write('{"object":"whatsapp_business_account","entry":[]}');
    const headers = {
      "content-type": "application/json",
      "x-hub-signature-256": signMeta(spec.appSecret, body),
    };
    const target = `${edgeUrl}/webhooks/whatsapp/${seed.channelId}`;
    const declared = await fetch(target, { method: "POST", headers, body });
    assert.equal(declared.status, 413, await declared.text());
    // No Content-Length: the body only turns out too large while it streams.
    const streamed = await fetch(target, {
      method: "POST",
      headers,
      body: new Blob([body]).stream(),
      duplex: "half",
    });
    assert.equal(streamed.status, 413, await streamed.text());
    // The edge is still fine for the next caller.
    const verify = new URLSearchParams({ "hub.mode": "subscribe", "hub.verify_token": spec.verifyToken });
    assert.equal((await fetch(`${target}?${verify.toString()}&hub.challenge=1`)).status, 200);
  });

  it("refuses an RPC message over the services' limit at the edge: 413 for Connect, resource_exhausted for all", async () => {
    const email = `${"x".repeat(5 * 1024 * 1024)}@e2e.atendo.local`;
    const raw = await fetch(`${edgeUrl}/atendo.tenant.v1.AuthService/Login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "whatever" }),
    });
    assert.equal(raw.status, 413);
    assert.equal(((await raw.json()) as { code: string }).code, "resource_exhausted");
    for (const [name, transport] of [
      ["gRPC", createGrpcTransport({ baseUrl: edgeUrl })],
      ["gRPC-web", createGrpcWebTransport({ baseUrl: edgeUrl, httpVersion: "1.1" })],
      ["Connect", createConnectTransport({ baseUrl: edgeUrl, httpVersion: "1.1" })],
    ] as const) {
      const err = await errorOf(createClient(AuthService, transport).login({ email, password: "whatever" }));
      assert.equal(err?.code, Code.ResourceExhausted, `${name}: ${err?.message}`);
    }
  });

  // Last: it spends the edge client's failed-login budget for the rest of the run.
  it("counts failed logins by the client address the edge saw, whatever X-Forwarded-For the client sends", async () => {
    // Every attempt claims another address and names another account: only the address the edge
    // saw links them, so the limit is reached within MAX_FAILURES_PER_IP + 1 attempts (earlier
    // tests of this run may have spent part of it) only if that address is the one counted.
    let refusedAt = 0;
    for (let i = 1; i <= MAX_FAILURES_PER_IP + 1 && refusedAt === 0; i++) {
      const email = `nobody-${i}-${product.namespace.replace(/_/g, "-")}@e2e.atendo.local`;
      const res = await send(loginRequest(edgeUrl, email, "wrong-password"), {
        "x-forwarded-for": `203.0.113.${i}`,
      });
      if (res.status === 429) refusedAt = i;
      else assert.equal(res.status, 401, `attempt ${i}`);
    }
    assert.ok(refusedAt > 0, "the client's own X-Forwarded-For did not dodge the per-address limit");
    const blocked = await send(loginRequest(edgeUrl, spec.ownerEmail, spec.ownerPassword), {
      "x-forwarded-for": "198.51.100.200",
    });
    assert.equal(blocked.status, 429, "past the per-address limit even the right password waits");
    assert.equal(((await blocked.json()) as { code: string }).code, "resource_exhausted");
    // A caller from elsewhere (here: straight to the service, another address bucket) is not blocked.
    const direct = await createClient(AuthService, createGrpcTransport({ baseUrl: url("tenant") })).login({
      email: spec.ownerEmail,
      password: spec.ownerPassword,
    });
    assert.ok(direct.tokens?.accessToken);
  });
});
