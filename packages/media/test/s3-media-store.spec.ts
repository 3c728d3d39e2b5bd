// The S3 adapter against two servers speaking the S3 REST API, with the same cases: the fake of
// @atendo/testing and versitygw, a real S3 server storing files (built into .tools/ by `npm test`).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { startFakeS3, startVersityGw } from "@atendo/testing";
import { createS3MediaStore, type MediaStore } from "../src/index.js";
import { storeContract } from "./store-contract.js";

const BUCKET = "atendo-media";
const ACCESS_KEY_ID = "AKIATESTMEDIA";
const SECRET_ACCESS_KEY = "test-secret-key";

/** A running server: its endpoint, the bytes it holds under a bucket and key, and how to stop it. */
interface S3Server {
  url: string;
  storedBytes(bucket: string, key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

const servers: Record<string, () => Promise<S3Server>> = {
  "the fake of @atendo/testing": async () => {
    const fake = await startFakeS3({ buckets: [BUCKET], accessKeyId: ACCESS_KEY_ID });
    return {
      url: fake.url,
      storedBytes: async (bucket, key) => fake.objects.get(`${bucket}/${key}`)?.bytes,
      close: () => fake.close(),
    };
  },
  "versitygw, a real S3 server": async () => {
    const gw = await startVersityGw({
      buckets: [BUCKET],
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
    });
    return {
      url: gw.url,
      storedBytes: (bucket, key) => readFile(gw.objectFile(bucket, key)).catch(() => undefined),
      close: () => gw.close(),
    };
  },
};

for (const [name, start] of Object.entries(servers)) {
  describe(`S3 media store against ${name}`, function () {
    this.timeout(60_000);
    let server: S3Server;
    let store: MediaStore & { close(): void };
    const options = (overrides: { accessKeyId?: string; bucket?: string } = {}) => ({
      endpoint: server.url,
      bucket: overrides.bucket ?? BUCKET,
      region: "us-east-1",
      accessKeyId: overrides.accessKeyId ?? ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      forcePathStyle: true,
      keyPrefix: "media/",
    });

    before(async function () {
      // The first run on a machine may build versitygw here (npm test builds it before the tests).
      this.timeout(20 * 60_000);
      server = await start();
      store = createS3MediaStore(options());
    });
    after(async () => {
      store?.close();
      await server?.close();
    });

    storeContract(() => store);

    it("keeps the bytes under <prefix><tenant id>/<media id> in the bucket", async () => {
      const key = { tenantId: randomUUID(), mediaId: randomUUID() };
      const bytes = Buffer.from("keyed by tenant");
      await store.put(key, bytes, {
        mimeType: "text/plain",
        sizeBytes: bytes.length,
        sha256: "a".repeat(64),
      });
      const stored = await server.storedBytes(BUCKET, `media/${key.tenantId}/${key.mediaId}`);
      assert.equal(stored?.equals(bytes), true);
    });

    it("surfaces the server's refusal of an unknown key pair on a read instead of answering missing", async () => {
      // (A HEAD answer has no body: where a server answers 404 to an unknown key pair, as versitygw
      // does, head() cannot tell that from a missing object; get() reads the error's code.)
      const stranger = createS3MediaStore(options({ accessKeyId: "AKIASTRANGER" }));
      try {
        await assert.rejects(
          stranger.get({ tenantId: randomUUID(), mediaId: randomUUID() }),
          (err: Error) => {
            assert.notEqual(err.name, "NoSuchKey");
            return true;
          },
        );
      } finally {
        stranger.close();
      }
    });

    it("throws NoSuchBucket on a read from a bucket that does not exist, instead of answering missing", async () => {
      const astray = createS3MediaStore(options({ bucket: "atendo-no-such-bucket" }));
      try {
        await assert.rejects(astray.get({ tenantId: randomUUID(), mediaId: randomUUID() }), {
          name: "NoSuchBucket",
        });
      } finally {
        astray.close();
      }
    });
  });
}
