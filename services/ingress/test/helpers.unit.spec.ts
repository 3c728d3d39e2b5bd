import assert from "node:assert/strict";
import { isUuid } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import { ChannelStatus, Plan } from "@atendo/proto/tenant/v1";
import type { ResolvedChannel } from "../src/clients/channel-directory.js";
import { derivedEventId } from "../src/domain/event-id.js";
import { createGroupCommit, GroupCommitFullError } from "../src/store/group-commit.js";
import { holdReason } from "../src/webhooks/channel-gate.js";

describe("derivedEventId", () => {
  const channelId = "019ab1c2-3d4e-7f00-8a00-0000000000a1";
  const at = Date.UTC(2026, 0, 1);

  it("is a UUIDv7 carrying the fact's time, stable per (channel, key)", () => {
    const id = derivedEventId(at, channelId, "wamid.A");
    assert.ok(isUuid(id));
    assert.equal(id[14], "7");
    assert.match(id[19] ?? "", /[89ab]/);
    assert.equal(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16), at);
    assert.equal(derivedEventId(at, channelId, "wamid.A"), id);
    assert.notEqual(derivedEventId(at, channelId, "wamid.B"), id);
    assert.notEqual(derivedEventId(at, "019ab1c2-3d4e-7f00-8a00-0000000000a2", "wamid.A"), id);
  });

  it("refuses a time outside 48 bits of milliseconds", () => {
    assert.throws(() => derivedEventId(-1, channelId, "k"), RangeError);
    assert.throws(() => derivedEventId(2 ** 48, channelId, "k"), RangeError);
  });
});

describe("createGroupCommit", () => {
  it("commits alone when idle and groups what arrives during a commit", async () => {
    const commits: Array<{ key: string; items: number[] }> = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((r) => {
      release = r;
    });
    const group = createGroupCommit<number>({
      maxBatch: 10,
      maxInFlightPerKey: 1,
      async commit(key, items) {
        commits.push({ key, items: [...items] });
        await gate;
      },
    });
    const first = group.submit("t1", 1);
    const rest = [2, 3, 4].map((n) => group.submit("t1", n));
    const other = group.submit("t2", 9);
    assert.deepEqual(commits, [
      { key: "t1", items: [1] },
      { key: "t2", items: [9] },
    ]);
    gate = Promise.resolve();
    release();
    await Promise.all([first, ...rest, other]);
    assert.deepEqual(commits[2], { key: "t1", items: [2, 3, 4] });
    assert.equal(commits.length, 3);
  });

  it("splits batches at maxBatch", async () => {
    const sizes: number[] = [];
    const group = createGroupCommit<number>({
      maxBatch: 2,
      maxInFlightPerKey: 1,
      async commit(_key, items) {
        sizes.push(items.length);
      },
    });
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.submit("t", n)));
    assert.deepEqual(sizes, [1, 2, 2]);
  });

  it("refuses items past its count or byte bound at once, counting what waits and what commits", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const group = createGroupCommit<string>({
      maxBatch: 10,
      maxInFlightPerKey: 1,
      maxItems: 3,
      maxBytes: 10,
      sizeOf: (item) => item.length,
      async commit() {
        await gate;
      },
    });
    const outcome = (p: Promise<void>) =>
      p.then(
        () => "ok",
        (e: Error) => (e instanceof GroupCommitFullError ? "full" : e.message),
      );
    const first = outcome(group.submit("t", "aaaa")); // committing
    const second = outcome(group.submit("t", "bbbb")); // waiting
    assert.deepEqual(group.usage(), { items: 2, bytes: 8 });
    const overBytes = outcome(group.submit("t", "ccc"));
    const third = outcome(group.submit("other", "d"));
    const overCount = outcome(group.submit("t", "e"));
    assert.deepEqual(group.usage(), { items: 3, bytes: 9 });
    assert.deepEqual(await Promise.all([overBytes, overCount]), ["full", "full"]);
    release();
    assert.deepEqual(await Promise.all([first, second, third]), ["ok", "ok", "ok"]);
    assert.deepEqual(group.usage(), { items: 0, bytes: 0 });
    await group.submit("t", "ffffffffff");
  });

  it("a failing item fails alone: the others of its batch are committed one by one", async () => {
    const committed: number[] = [];
    let block: (() => void) | undefined;
    const group = createGroupCommit<number>({
      maxBatch: 10,
      maxInFlightPerKey: 1,
      async commit(_key, items) {
        if (items.includes(0) && block === undefined) {
          await new Promise<void>((r) => {
            block = r;
          });
        }
        if (items.includes(13)) throw new Error("bad row");
        committed.push(...items);
      },
    });
    const head = group.submit("t", 0);
    const batch = [11, 12, 13, 14].map((n) =>
      group.submit("t", n).then(
        () => "ok",
        (e: Error) => e.message,
      ),
    );
    block?.();
    await head;
    assert.deepEqual(await Promise.all(batch), ["ok", "ok", "bad row", "ok"]);
    assert.deepEqual(committed, [0, 11, 12, 14]);
  });
});

describe("holdReason", () => {
  const base: ResolvedChannel = {
    channelId: "c",
    tenantId: "t",
    workspaceId: "w",
    type: ChannelType.WHATSAPP,
    status: ChannelStatus.ACTIVE,
    tenantSuspended: false,
    plan: Plan.PRO,
  };

  it("holds deliveries of a suspended tenant or a disabled channel, not of one needing reconnection", () => {
    assert.equal(holdReason(base), undefined);
    assert.equal(holdReason({ ...base, status: ChannelStatus.NEEDS_RECONNECT }), undefined);
    assert.equal(holdReason({ ...base, status: ChannelStatus.DISABLED }), "channel disabled");
    assert.equal(holdReason({ ...base, tenantSuspended: true }), "tenant suspended");
  });
});
