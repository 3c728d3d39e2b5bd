import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { buffer } from "node:stream/consumers";
import type { MediaStore, StoredMedia } from "../src/index.js";

/** What every adapter must do, run against each of them. */
export function storeContract(store: () => MediaStore): void {
  const bytes = randomBytes(70_000);
  const metadata = {
    mimeType: "image/jpeg",
    sizeBytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };

  it("puts, heads, gets (the same bytes) and deletes an object", async () => {
    const key = { tenantId: randomUUID(), mediaId: randomUUID() };
    await store().put(key, bytes, metadata);
    assert.deepEqual(await store().head(key), metadata);
    const got = await store().get(key);
    assert.deepEqual(got?.metadata, metadata);
    assert.equal((await bytesOf(got)).equals(bytes), true);
    await store().delete(key);
    assert.equal(await store().head(key), undefined);
    assert.equal(await store().get(key), undefined);
  });

  it("answers undefined for a missing key, and a delete of it does nothing", async () => {
    const key = { tenantId: randomUUID(), mediaId: randomUUID() };
    assert.equal(await store().get(key), undefined);
    assert.equal(await store().head(key), undefined);
    await store().delete(key);
  });

  it("replaces an object put again under the same key (a retried fetch)", async () => {
    const key = { tenantId: randomUUID(), mediaId: randomUUID() };
    await store().put(key, Buffer.from("first"), { ...metadata, sizeBytes: 5 });
    await store().put(key, bytes, metadata);
    const got = await store().get(key);
    assert.equal((await bytesOf(got)).equals(bytes), true);
  });

  it("never gives one tenant's object to another tenant asking for the same media id", async () => {
    const mediaId = randomUUID();
    const owner = { tenantId: randomUUID(), mediaId };
    await store().put(owner, bytes, metadata);
    const other = { tenantId: randomUUID(), mediaId };
    assert.equal(await store().get(other), undefined);
    assert.equal(await store().head(other), undefined);
    await store().delete(other);
    assert.deepEqual(await store().head(owner), metadata);
  });
}

async function bytesOf(got: StoredMedia | undefined): Promise<Buffer> {
  return got === undefined ? Buffer.alloc(0) : buffer(got.body);
}
