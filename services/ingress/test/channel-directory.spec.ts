import assert from "node:assert/strict";
import { createServer } from "node:net";
import { ChannelType } from "@atendo/proto/common/v1";
import { ChannelService, ChannelStatus } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { readFixture, signMeta } from "@atendo/testing";
import {
  ChannelLookupError,
  type ChannelResolver,
  createChannelDirectory,
} from "../src/clients/channel-directory.js";
import { start } from "../src/main.js";
import { type Harness, postWebhook, startHarness, type TestChannel } from "./support/harness.js";
import { rowsOf } from "./support/rows.js";

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe("channel lookups (ResolveChannel of the real tenant service, cached in memory)", function () {
  this.timeout(30_000);
  let h: Harness;
  let channel: TestChannel;
  let calls: number;
  let clock: number;
  let resolver: ChannelResolver;

  before(async () => {
    h = await startHarness();
    channel = await h.createChannel();
    const real = createServiceClient(ChannelService, h.tenantUrl);
    // The real client, counted: how many lookups reached the tenant service.
    resolver = {
      resolveChannel: (req, options) => {
        calls++;
        return real.resolveChannel(req, options);
      },
    };
  });

  beforeEach(() => {
    calls = 0;
    clock = 1_000_000;
  });

  after(async () => {
    await h?.stop();
  });

  const directory = () =>
    createChannelDirectory({ channels: resolver, ttlMs: 30_000, negativeTtlMs: 5_000, now: () => clock });

  it("returns the decrypted WhatsApp credentials and reuses them within the TTL", async () => {
    const channels = directory();
    const found = await channels.resolve(channel.channelId);
    assert.equal(found?.type, ChannelType.WHATSAPP);
    assert.equal(found?.tenantId, channel.tenantId);
    assert.equal(found?.workspaceId, channel.workspaceId);
    assert.equal(found?.status, ChannelStatus.ACTIVE);
    assert.deepEqual(found?.whatsapp, {
      phoneNumberId: channel.phoneNumberId,
      appSecret: channel.appSecret,
      verifyToken: channel.verifyToken,
    });
    await channels.resolve(channel.channelId);
    assert.equal(calls, 1);
    clock += 30_001;
    await channels.resolve(channel.channelId);
    assert.equal(calls, 2, "asked again once the entry expired");
  });

  it("sees a change after the TTL (or when told to forget)", async () => {
    const other = await h.createChannel();
    const channels = directory();
    assert.equal((await channels.resolve(other.channelId))?.status, ChannelStatus.ACTIVE);
    await h.channels.disableChannel({
      workspaceId: other.workspaceId,
      channelId: other.channelId,
      reason: "test",
    });
    assert.equal((await channels.resolve(other.channelId))?.status, ChannelStatus.ACTIVE, "cached");
    channels.forget(other.channelId);
    assert.equal((await channels.resolve(other.channelId))?.status, ChannelStatus.DISABLED);
  });

  it("remembers unknown ids briefly and never asks about ids that are not UUIDs", async () => {
    const channels = directory();
    const unknown = "0190f000-0000-7000-8000-00000000f00d";
    assert.equal(await channels.resolve(unknown), undefined);
    assert.equal(await channels.resolve(unknown), undefined);
    assert.equal(calls, 1);
    clock += 5_001;
    assert.equal(await channels.resolve(unknown), undefined);
    assert.equal(calls, 2);
    assert.equal(await channels.resolve("../../etc"), undefined);
    assert.equal(calls, 2);
  });

  it("shares one call between concurrent lookups of a channel", async () => {
    const channels = directory();
    const results = await Promise.all(Array.from({ length: 5 }, () => channels.resolve(channel.channelId)));
    assert.ok(results.every((r) => r?.channelId === channel.channelId));
    assert.equal(calls, 1);
  });

  it("reports an unreachable tenant service as ChannelLookupError; ingress then answers 503 and stores nothing", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const channels = createChannelDirectory({
      channels: createServiceClient(ChannelService, url, { timeoutMs: 2_000 }),
      ttlMs: 30_000,
      negativeTtlMs: 5_000,
    });
    await assert.rejects(channels.resolve(channel.channelId), ChannelLookupError);

    const ingress = await start(h.ingressConfig({ tenantServiceUrl: url }), { logger: h.logger });
    try {
      const body = readFixture("whatsapp/two-text-messages.json");
      const fresh = await h.createChannel();
      const res = await postWebhook(
        `http://127.0.0.1:${ingress.port}`,
        fresh.channelId,
        body,
        signMeta(fresh.appSecret, body),
      );
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "5");
      assert.deepEqual(await rowsOf(fresh.channelId), []);
    } finally {
      await ingress.stop();
    }
  });
});
