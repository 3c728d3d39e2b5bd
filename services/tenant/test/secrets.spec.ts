import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { adminQuery, waitFor } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { instagramConfig, tenantWithWorkspace, whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

// Ids of this run only: the test database keeps rows of earlier runs, sealed with other keys.
const idA = `a${randomBytes(6).toString("hex")}`;
const idB = `b${randomBytes(6).toString("hex")}`;
const keyA = `${idA}:${randomBytes(32).toString("base64")}`;
const keyB = `${idB}:${randomBytes(32).toString("base64")}`;

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
  const issuer = () => `atendo-test-${h.namespace}`;
  const resolveToken = async (channelId: string) => {
    const res = await h.delivery.channelDirectory.resolveChannel({
      key: { case: "channelId", value: channelId },
    });
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
    assert.equal(stored.key_id, idA);
    for (const secret of [wa.accessToken, wa.appSecret, wa.verifyToken]) {
      assert.ok(!stored.secrets.includes(secret), "plaintext secret in the secrets column");
      assert.ok(!stored.config.includes(secret), "plaintext secret in the config column");
    }
    const res = await h.delivery.channelDirectory.resolveChannel({
      key: { case: "channelId", value: channelId },
    });
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
      h.delivery.channelDirectory.resolveChannel({ key: { case: "channelId", value: b.channel?.id ?? "" } }),
    );
    assert.equal(err.code, Code.Internal);
    // The caller gets a reference; the log line with that reference says why.
    const ref = /ref ([0-9a-f]+)/.exec(err.rawMessage)?.[1] ?? "";
    assert.notEqual(ref, "");
    assert.ok(h.logs.some((l) => l.includes(ref) && l.includes("do not authenticate")));
  });

  it("keeps decrypting old rows after a rotation, and re-seals them with the new key at start", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const wa = whatsappConfig();
    const ig = instagramConfig();
    const created = [
      await h.channels.createChannel({ workspaceId, name: "WA", config: { case: "whatsapp", value: wa } }),
      await h.channels.createChannel({ workspaceId, name: "IG", config: { case: "instagram", value: ig } }),
      await h.channels.createChannel({ workspaceId, name: "Web", config: { case: "web", value: {} } }),
    ];
    const ids = created.map((c) => c.channel?.id ?? "");
    const webSecret = created[2]?.webIdentitySecret ?? "";
    for (const id of ids) assert.equal((await row(id)).key_id, idA);

    // B becomes active, A stays to open what it sealed; the start pass moves every row (and this
    // issuer's signing keys) onto B, however many replicas run it.
    await h.restart({ CHANNEL_SECRET_KEYS: `${keyB},${keyA}` });
    assert.equal(await resolveToken(ids[0] ?? ""), wa.accessToken);
    await waitFor(async () => (await Promise.all(ids.map(row))).every((r) => r.key_id === idB), {
      message: "every channel re-sealed with the new key",
    });
    await waitFor(
      async () =>
        (
          await adminQuery<{ key_id: string }>("select key_id from tenant.signing_keys where issuer = $1", [
            issuer(),
          ])
        ).every((k) => k.key_id === idB),
      { message: "every signing key of the issuer re-sealed with the new key" },
    );
    assert.ok(h.logs.some((l) => l.includes("re-sealed secrets with the active key")));

    // A leaves the ring: every channel still resolves, tokens are still signed and verified.
    await h.restart({ CHANNEL_SECRET_KEYS: keyB });
    const resolved = await Promise.all(
      ids.map((id) => h.delivery.channelDirectory.resolveChannel({ key: { case: "channelId", value: id } })),
    );
    const [waCreds, igCreds, webCreds] = resolved.map((r) => r.credentials);
    assert.deepEqual(
      waCreds?.case === "whatsapp" ? [waCreds.value.accessToken, waCreds.value.appSecret] : [],
      [wa.accessToken, wa.appSecret],
    );
    assert.deepEqual(
      igCreds?.case === "instagram" ? [igCreds.value.accessToken, igCreds.value.verifyToken] : [],
      [ig.accessToken, ig.verifyToken],
    );
    assert.equal(webCreds?.case === "web" ? webCreds.value.identitySecret : "", webSecret);
    const owner = await h.identity.signUpOwner();
    assert.ok(
      (await owner.clients.auth.getCurrentUser({})).user?.id,
      "tokens signed and verified with ring B",
    );

    // A row sealed with a key the ring no longer holds says so (in the log, not to the caller).
    await adminQuery("update tenant.channels set key_id = 'gone' where id = $1", [ids[0]]);
    const err = await rejection(
      h.delivery.channelDirectory.resolveChannel({ key: { case: "channelId", value: ids[0] ?? "" } }),
    );
    assert.equal(err.code, Code.Internal);
    assert.ok(h.logs.some((l) => l.includes('sealed with key \\"gone\\", which the key ring does not hold')));
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
    await h.delivery.channelDirectory.resolveChannel({ key: { case: "channelId", value: channelId } });
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
