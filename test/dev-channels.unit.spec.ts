// The dev run's Instagram and web-chat parts without the stack: the refreshed Instagram delivery,
// its signed curl, the widget demo page and its origins, and the lines the fake Graph API prints.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedSend } from "@atendo/testing";
import { readFixture } from "@atendo/testing";
import { refreshInstagramBody } from "../scripts/lib/demo-webhook.js";
import { CONSOLE_ORIGINS, devCorsOrigins } from "../scripts/lib/dev-env.js";
import { WIDGET_DEMO_PORT, widgetDemoOrigins } from "../scripts/lib/dev-ports.js";
import { devSummary, verifyCurl, webhookCurl } from "../scripts/lib/dev-summary.js";
import { graphSendLine } from "../scripts/lib/graph-send-line.js";
import { DEMO } from "../scripts/lib/seed.js";
import { renderWidgetPage, startWidgetDemo } from "../scripts/lib/widget-demo/widget-demo-server.js";
import { summaryInput } from "./support/summary-input.js";

interface IgBody {
  entry: Array<{
    id: string;
    time: number;
    messaging: Array<{ timestamp: number; message: { mid: string; text: string } }>;
  }>;
}

const fixture = readFixture("instagram/two-messages.json");
const parse = (b: Buffer) => JSON.parse(b.toString("utf8")) as IgBody;
const events = (b: Buffer) => parse(b).entry.flatMap((e) => e.messaging);

describe("demo Instagram webhook", () => {
  it("dates the fixture's events now in milliseconds, keeps its layout, and gives them this run's mids", () => {
    const now = 1_800_000_000_000;
    const body = refreshInstagramBody(fixture, { nowMs: now, idSuffix: "run1" });
    const before = events(fixture);
    const after = events(body);
    const base = Math.min(...parse(fixture).entry.map((e) => e.time), ...before.map((m) => m.timestamp));
    assert.deepEqual(
      after.map((m) => m.timestamp),
      before.map((m) => now + m.timestamp - base),
    );
    assert.deepEqual(
      parse(body).entry.map((e) => e.time),
      parse(fixture).entry.map((e) => now + e.time - base),
    );
    assert.deepEqual(
      after.map((m) => m.message.mid),
      before.map((m) => `${m.message.mid}run1`),
    );
    assert.deepEqual(
      after.map((m) => m.message.text),
      before.map((m) => m.message.text),
    );
    assert.deepEqual(
      parse(body).entry.map((e) => e.id),
      [DEMO.instagramAccountId, DEMO.instagramAccountId],
    );
    assert.equal(body.toString("utf8").split("\n").length, fixture.toString("utf8").split("\n").length);
    assert.throws(() => refreshInstagramBody(fixture, { nowMs: 1, idSuffix: "a-b" }));
  });
});

describe("dev summary: Instagram and web chat", () => {
  const root = mkdtempSync(join(tmpdir(), "atendo-summary-ig-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const body = refreshInstagramBody(fixture, { nowMs: 1_800_000_000_000, idSuffix: "s" });
  const input = summaryInput(root, {
    whatsapp: readFixture("whatsapp/two-text-messages.json"),
    instagram: body,
  });

  it("signs the Instagram curl with the demo app secret over the exact file it posts, to the Instagram channel", () => {
    const { command, signature } = webhookCurl(input, input.instagramWebhookFile, "instagram");
    const expected = `sha256=${createHmac("sha256", "demo-app-secret").update(body).digest("hex")}`;
    assert.equal(signature, expected);
    assert.ok(command.includes(`-H 'x-hub-signature-256: ${expected}'`), command);
    assert.ok(command.includes("--data-binary @.local/dev/instagram-demo.json"), command);
    assert.ok(
      command.startsWith(
        "curl -i -X POST 'http://127.0.0.1:7100/webhooks/instagram/0193a5b0-0000-7000-8000-00000000c4a2'",
      ),
      command,
    );
    // The same summary prints it, and the WhatsApp one still goes to the WhatsApp channel.
    const text = devSummary(input);
    assert.ok(text.includes(command));
    assert.ok(text.includes("/webhooks/whatsapp/0193a5b0-0000-7000-8000-00000000c4a1"));
  });

  it("prints Instagram's verify handshake, the widget page, the site key and the channels", () => {
    assert.equal(
      verifyCurl(input, "42", "instagram"),
      "curl -i 'http://127.0.0.1:7100/webhooks/instagram/0193a5b0-0000-7000-8000-00000000c4a2?hub.mode=subscribe&hub.verify_token=demo-verify-token&hub.challenge=42'",
    );
    const text = devSummary(input);
    for (const s of [
      verifyCurl(input, "1158201444", "instagram"),
      "  http://127.0.0.1:7180/",
      "pk_Demo0000Site0000Key",
      "0193a5b0-0000-7000-8000-00000000c4a3",
      "Instagram account 17841400000000001",
      "http://127.0.0.1:7180, http://localhost:7180",
      "curl -s -X POST 'http://127.0.0.1:7100/atendo.conversation.v1.ConversationService/ListConversations'",
      `  --data '{"workspaceId":"0193a5b0-0000-7000-8000-00000000a0a1","channelId":"0193a5b0-0000-7000-8000-00000000c4a2"}'`,
    ]) {
      assert.ok(text.includes(s), `summary shows ${s}`);
    }
  });
});

describe("widget demo page", () => {
  it("lets the page's origins through the edge and into the demo web channel", () => {
    assert.deepEqual(widgetDemoOrigins(WIDGET_DEMO_PORT), ["http://127.0.0.1:7180", "http://localhost:7180"]);
    assert.deepEqual(DEMO.webOrigins, widgetDemoOrigins(WIDGET_DEMO_PORT));
    assert.deepEqual(devCorsOrigins(undefined), [...CONSOLE_ORIGINS, ...DEMO.webOrigins]);
    // A chosen list keeps the page's origins; `*` already covers them but they do no harm.
    assert.deepEqual(devCorsOrigins(" https://a.example , "), ["https://a.example", ...DEMO.webOrigins]);
  });

  it("fills the edge URL and the site key into the page, escaped", () => {
    const page = renderWidgetPage({ edgeUrl: "http://127.0.0.1:7100", siteKey: 'pk_x"><script>' });
    assert.ok(page.includes('<meta name="atendo-edge" content="http://127.0.0.1:7100" />'));
    assert.ok(page.includes('<meta name="atendo-site-key" content="pk_x&quot;&gt;&lt;script&gt;" />'));
    assert.ok(!page.includes("%SITE_KEY%") && !page.includes("%EDGE_URL%"));
  });

  it("serves the page and its scripts, and nothing else", async () => {
    const demo = await startWidgetDemo({
      edgeUrl: "http://127.0.0.1:7100",
      siteKey: "pk_abc0123456789ABCDEF",
      port: 0,
    });
    try {
      const page = await fetch(demo.url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(
        page.headers.get("content-security-policy") ?? "",
        /connect-src http:\/\/127\.0\.0\.1:7100/,
      );
      assert.ok((await page.text()).includes("pk_abc0123456789ABCDEF"));
      const script = await fetch(new URL("/widget.js", demo.url));
      assert.equal(script.status, 200);
      assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
      assert.ok((await script.text()).includes("atendo.ingress.v1.WidgetService"));
      const client = await fetch(new URL("/connect-fetch.js", demo.url));
      assert.equal(client.status, 200);
      assert.ok((await client.text()).includes("export function createConnectClient"));
      // The attach button's PUT with progress, and pictures shown from the edge.
      const upload = await fetch(new URL("/upload-put.js", demo.url));
      assert.equal(upload.status, 200);
      assert.ok((await upload.text()).includes("xhr.upload.addEventListener"));
      assert.match(page.headers.get("content-security-policy") ?? "", /img-src http:\/\/127\.0\.0\.1:7100/);
      assert.equal((await fetch(new URL("/../package.json", demo.url))).status, 404);
      assert.equal((await fetch(demo.url, { method: "POST", body: "x" })).status, 405);
    } finally {
      await demo.close();
    }
  });
});

describe("fake Graph API lines of the dev run", () => {
  const send = (kind: RecordedSend["kind"], body: unknown, to?: string, status = 200): RecordedSend => ({
    kind,
    path: "/v23.0/1/messages",
    version: "v23.0",
    businessId: "1",
    headers: {},
    body,
    ...(to === undefined ? {} : { to }),
    at: new Date(0),
    response: { status, body: {} },
  });

  it("shows Instagram replies, attachments and sender actions like WhatsApp's", () => {
    assert.equal(
      graphSendLine(
        send("instagram_message", { recipient: { id: "613" }, message: { text: "Olá!" } }, "613"),
      ),
      "fake Instagram: send to 613: Olá!",
    );
    assert.equal(
      graphSendLine(
        send(
          "instagram_message",
          { recipient: { id: "613" }, message: { attachments: [{ type: "image" }, { type: "file" }] } },
          "613",
        ),
      ),
      "fake Instagram: send to 613: <image> <file>",
    );
    assert.equal(
      graphSendLine(
        send("instagram_action", { recipient: { id: "613" }, sender_action: "typing_on" }, "613"),
      ),
      "fake Instagram: send to 613: <typing_on>",
    );
    assert.equal(
      graphSendLine(send("whatsapp_message", { type: "text", text: { body: "Oi" } }, "5511", 429)),
      "fake WhatsApp: send to +5511: Oi  [answered 429]",
    );
    assert.equal(
      graphSendLine(send("whatsapp_read", { status: "read" })),
      "fake WhatsApp: send to ?: mark read (read)",
    );
  });
});
