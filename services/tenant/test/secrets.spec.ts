import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { adminQuery } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { tenantWithWorkspace, whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const keyA = `ka:${randomBytes(32).toString("base64")}`;
const keyB = `kb:${randomBytes(32).toString("base64")}`;

describe("channel secrets at rest", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({ CHANNEL_SECRET_KEYS: keyA });
  });
  after(async () => {
    await h?.stop();
  });

  const row = async (channelId: string) => {
    const [r] = await adminQuery<{ config: string; secrets: Buffer; key_id: string }>(
      "select config::text as config, secrets, key_id from tenant.channels where id = $1",
      [channelId],
    );
    assert.ok(r, "channel row");
    return r;
  };
  const resolveToken = async (channelId: string) => {
    const res = await h.delivery.channels.resolveChannel({ key: { case: "channelId", value: channelId } });
    return res.credentials.case === "whatsapp" ? res.credentials.value.accessToken : undefined;
  };

  it("stores only ciphertext, which ResolveChannel decrypts", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const wa = whatsappConfig();
    const { channel } = await h.channels.createChannel({
      workspaceId,
      name: "WA",
      config: { case: "whatsapp", value: wa },
    });
    const channelId = channel?.id ?? "";
    const stored = await row(channelId);
    assert.equal(stored.key_id, "ka");
    for (const secret of [wa.accessToken, wa.appSecret, wa.verifyToken]) {
      assert.ok(!stored.secrets.includes(secret), "plaintext secret in the secrets column");
      assert.ok(!stored.config.includes(secret), "plaintext secret in the config column");
    }
    const res = await h.delivery.channels.resolveChannel({ key: { case: "channelId", value: channelId } });
    const creds = res.credentials.case === "whatsapp" ? res.credentials.value : undefined;
    assert.deepEqual(
      [creds?.accessToken, creds?.appSecret, creds?.verifyToken],
      [wa.accessToken, wa.appSecret, wa.verifyToken],
    );
  });

  it("binds ciphertext to its row: secrets copied onto another channel do not open", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const a = await h.channels.createChannel({
      workspaceId,
      name: "A",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    const b = await h.channels.createChannel({
      workspaceId,
      name: "B",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    await adminQuery(
      "update tenant.channels set secrets = (select secrets from tenant.channels where id = $1) where id = $2",
      [a.channel?.id, b.channel?.id],
    );
    const err = await rejection(
      h.delivery.channels.resolveChannel({ key: { case: "channelId", value: b.channel?.id ?? "" } }),
    );
    assert.equal(err.code, Code.Internal);
    // The caller gets a reference; the log line with that reference says why.
    const ref = /ref ([0-9a-f]+)/.exec(err.rawMessage)?.[1] ?? "";
    assert.notEqual(ref, "");
    assert.ok(h.logs.some((l) => l.includes(ref) && l.includes("do not authenticate")));
  });

  it("keeps decrypting old rows after a rotation, and moves rows to the new key on update", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const wa1 = whatsappConfig();
    const wa2 = whatsappConfig();
    const first = await h.channels.createChannel({
      workspaceId,
      name: "One",
      config: { case: "whatsapp", value: wa1 },
    });
    const second = await h.channels.createChannel({
      workspaceId,
      name: "Two",
      config: { case: "whatsapp", value: wa2 },
    });
    const firstId = first.channel?.id ?? "";
    const secondId = second.channel?.id ?? "";

    // kb becomes active; ka stays to decrypt what it sealed.
    await h.restart({ CHANNEL_SECRET_KEYS: `${keyB},${keyA}` });
    assert.equal(await resolveToken(firstId), wa1.accessToken);
    assert.equal((await row(firstId)).key_id, "ka");

    const third = await h.channels.createChannel({
      workspaceId,
      name: "Three",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    assert.equal((await row(third.channel?.id ?? "")).key_id, "kb");

    await h.channels.updateChannel({
      workspaceId,
      channelId: firstId,
      updateMask: { paths: ["name"] },
      name: "One!",
    });
    assert.equal((await row(firstId)).key_id, "kb");

    // With ka retired, the row re-sealed under kb opens; the one left on ka does not.
    await h.restart({ CHANNEL_SECRET_KEYS: keyB });
    assert.equal(await resolveToken(firstId), wa1.accessToken);
    const err = await rejection(
      h.delivery.channels.resolveChannel({ key: { case: "channelId", value: secondId } }),
    );
    assert.equal(err.code, Code.Internal);
    assert.ok(h.logs.some((l) => l.includes('sealed with key \\"ka\\", which the key ring does not hold')));
  });

  it("never writes a secret to the log, even at debug level", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const wa = whatsappConfig();
    const { channel } = await h.channels.createChannel({
      workspaceId,
      name: "Logged",
      config: { case: "whatsapp", value: wa },
    });
    const channelId = channel?.id ?? "";
    const newSecret = "app-secret-after-update-0001";
    await h.channels.updateChannel({
      workspaceId,
      channelId,
      updateMask: { paths: ["app_secret"] },
      appSecret: newSecret,
    });
    await h.delivery.channels.resolveChannel({ key: { case: "channelId", value: channelId } });
    const web = await h.channels.createChannel({
      workspaceId,
      name: "Web",
      config: { case: "web", value: {} },
    });
    assert.ok(
      h.logs.some((l) => l.includes(channelId)),
      "the service logged the channel's creation",
    );
    const text = h.logs.join("\n");
    for (const secret of [wa.accessToken, wa.appSecret, wa.verifyToken, newSecret, web.webIdentitySecret]) {
      assert.ok(!text.includes(secret), "a secret reached the log");
    }
  });
});
