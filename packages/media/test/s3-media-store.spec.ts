import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type FakeS3, startFakeS3 } from "@atendo/testing";
import { createS3MediaStore, type MediaStore } from "../src/index.js";
import { storeContract } from "./store-contract.js";

describe("S3 media store (against a local server speaking the S3 REST API)", () => {
  let s3: FakeS3;
  let store: MediaStore & { close(): void };
  const options = (accessKeyId: string) => ({
    endpoint: s3.url,
    bucket: "atendo-media",
    region: "us-east-1",
    accessKeyId,
    secretAccessKey: "test-secret-key",
    forcePathStyle: true,
    keyPrefix: "media/",
  });

  before(async () => {
    s3 = await startFakeS3({ buckets: ["atendo-media"], accessKeyId: "AKIATESTMEDIA" });
    store = createS3MediaStore(options("AKIATESTMEDIA"));
  });
  after(async () => {
    store.close();
    await s3.close();
  });

  storeContract(() => store);

  it("signs every request with Signature Version 4 and keys objects by tenant", async () => {
    const key = { tenantId: randomUUID(), mediaId: randomUUID() };
    await store.put(key, Buffer.from("x"), { mimeType: "text/plain", sizeBytes: 1, sha256: "a".repeat(64) });
    assert.ok(s3.objects.has(`atendo-media/media/${key.tenantId}/${key.mediaId}`));
    const last = s3.requests.at(-1);
    assert.match(
      last?.authorization ?? "",
      /^AWS4-HMAC-SHA256 Credential=AKIATESTMEDIA\/\d{8}\/us-east-1\/s3\//,
    );
  });

  it("surfaces the server's refusal (AccessDenied) instead of answering missing", async () => {
    const stranger = createS3MediaStore(options("AKIASTRANGER"));
    try {
      await assert.rejects(stranger.head({ tenantId: randomUUID(), mediaId: randomUUID() }), (err: Error) => {
        assert.notEqual(err.name, "NoSuchKey");
        return true;
      });
      await assert.rejects(stranger.get({ tenantId: randomUUID(), mediaId: randomUUID() }), /Access Denied/);
    } finally {
      stranger.close();
    }
  });
});
