import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFixture, signMeta } from "@atendo/testing";
import { refreshWebhookBody } from "../scripts/lib/demo-webhook.js";
import { devSummary, webhookCurl } from "../scripts/lib/dev-summary.js";
import { DEMO } from "../scripts/lib/seed.js";
import { summaryInput } from "./support/summary-input.js";

interface WaBody {
  entry: Array<{
    changes: Array<{
      value: {
        metadata: { phone_number_id: string };
        messages: Array<{ id: string; timestamp: string; text: { body: string } }>;
      };
    }>;
  }>;
}

const fixture = readFixture("whatsapp/two-text-messages.json");
const messagesOf = (b: Buffer) => (JSON.parse(b.toString("utf8")) as WaBody).entry[0]?.changes[0]?.value;

describe("demo webhook", () => {
  it("dates the fixture's messages now, keeps their spacing, and gives them this run's ids", () => {
    const now = 1_800_000_000;
    const body = refreshWebhookBody(fixture, { nowSeconds: now, idSuffix: "run1" });
    const before = messagesOf(fixture);
    const after = messagesOf(body);
    assert.ok(before && after);
    assert.deepEqual(
      after.messages.map((m) => m.timestamp),
      [String(now), String(now + 3)],
    );
    assert.deepEqual(
      after.messages.map((m) => m.id),
      before.messages.map((m) => `${m.id}run1`),
    );
    assert.deepEqual(
      after.messages.map((m) => m.text.body),
      before.messages.map((m) => m.text.body),
    );
    assert.equal(after.metadata.phone_number_id, DEMO.phoneNumberId);
    // Only the edited values differ: same layout, same escapes (\u00ea stays escaped).
    assert.ok(body.toString("utf8").includes("Voc\\u00eas"));
    assert.equal(body.toString("utf8").split("\n").length, fixture.toString("utf8").split("\n").length);
  });

  it("can move the webhook to another business number", () => {
    const body = refreshWebhookBody(fixture, { nowSeconds: 1, idSuffix: "x", phoneNumberId: "123" });
    assert.equal(messagesOf(body)?.metadata.phone_number_id, "123");
    assert.throws(() => refreshWebhookBody(fixture, { nowSeconds: 1, idSuffix: "a b" }));
  });
});

describe("dev summary", () => {
  const root = mkdtempSync(join(tmpdir(), "atendo-summary-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const body = refreshWebhookBody(fixture, { nowSeconds: 1_800_000_000, idSuffix: "s" });
  const input = summaryInput(root, { whatsapp: body, instagram: readFixture("instagram/two-messages.json") });

  it("prints a curl whose signature is the demo app secret's over the exact file it posts", () => {
    const { command, signature } = webhookCurl(input);
    assert.equal(signature, signMeta("demo-app-secret", body));
    assert.ok(command.includes(`x-hub-signature-256: ${signature}`));
    assert.ok(command.includes("--data-binary @.local/dev/whatsapp-demo.json"));
    assert.ok(
      command.includes("http://127.0.0.1:7100/webhooks/whatsapp/0193a5b0-0000-7000-8000-00000000c4a1"),
    );
  });

  it("also prints the untouched fixture's curl, signed over the fixture's own bytes", () => {
    writeFileSync(join(root, "fixture.json"), fixture);
    const text = devSummary({ ...input, fixtureFile: "fixture.json" });
    assert.ok(text.includes(`x-hub-signature-256: ${signMeta("demo-app-secret", fixture)}`));
    assert.ok(text.includes("--data-binary @fixture.json"));
  });

  it("prints the URLs, ids, secrets and the verify handshake", () => {
    const text = devSummary(input);
    for (const s of [
      "http://127.0.0.1:7100",
      "http://127.0.0.1:7101",
      "http://127.0.0.1:7190",
      "t-1",
      "0193a5b0-0000-7000-8000-00000000a0a1",
      "a-1",
      "demo-app-secret",
      "demo-verify-token",
      "demo-access-token",
      "hub.verify_token=demo-verify-token&hub.challenge=1158201444",
    ]) {
      assert.ok(text.includes(s), `summary shows ${s}`);
    }
  });

  it("prints the demo logins and curls that log in through the edge and use the token", () => {
    const text = devSummary(input);
    assert.ok(text.includes("demo@atendo.local / atendo-demo-owner"));
    assert.ok(text.includes("admin@atendo.local / atendo-demo-admin"));
    assert.ok(!text.includes("NOT a platform admin"));
    assert.ok(!text.includes("owner.jwt.token"), "tokens of the run are not printed");
    const lines = text.split("\n");
    const login = lines.findIndex((l) =>
      l.startsWith("curl -s -X POST 'http://127.0.0.1:7100/atendo.tenant.v1.AuthService/Login'"),
    );
    assert.ok(login >= 0, "a login curl");
    assert.equal(lines[login + 2], `  --data '{"email":"demo@atendo.local","password":"atendo-demo-owner"}'`);
    const capture = lines.find((l) => l.startsWith("TOKEN=$(curl -s -X POST"));
    assert.ok(capture?.endsWith(`| sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')`), capture);
    const call = lines.findIndex((l) => l.includes("/atendo.tenant.v1.ChannelService/ListChannels"));
    assert.equal(lines[call + 2], '  -H "authorization: Bearer $TOKEN" \\');
    assert.equal(lines[call + 3], `  --data '{"workspaceId":"0193a5b0-0000-7000-8000-00000000a0a1"}'`);
  });

  it("says so when the seeded admin is not a platform admin", () => {
    const text = devSummary({ ...input, seed: { ...input.seed, platformAdmin: false } });
    assert.ok(text.includes("admin@atendo.local / atendo-demo-admin  (NOT a platform admin"));
  });
});
