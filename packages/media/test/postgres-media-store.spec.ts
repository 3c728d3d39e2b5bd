import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import type { Db } from "@atendo/db";
import { adminQuery } from "@atendo/testing";
import { createPostgresMediaStore, type MediaStore } from "../src/index.js";
import { storeContract } from "./store-contract.js";
import { startMediaSchema } from "./support.js";

describe("Postgres media store", () => {
  let media: Awaited<ReturnType<typeof startMediaSchema>>;
  let store: MediaStore;
  let db: Db;

  before(async () => {
    media = await startMediaSchema();
    db = media.db;
    store = createPostgresMediaStore({ db, schema: media.schema });
  });
  after(() => media.stop());

  storeContract(() => store);

  it("keeps tenants apart by row-level security, not only by the query", async () => {
    const bytes = Buffer.from("only mine");
    const key = { tenantId: randomUUID(), mediaId: randomUUID() };
    await store.put(key, bytes, {
      mimeType: "text/plain",
      sizeBytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    // Another tenant's unit of work sees no row at all, even selecting without any filter.
    const seen = await db.withTenant(randomUUID(), (em) =>
      em.execute<{ n: string }[]>(`select count(*) as n from ${media.schema}.media_objects`),
    );
    assert.equal(Number(seen[0]?.n), 0);
    const rows = await adminQuery<{ tenant_id: string }>(
      `select tenant_id from ${media.schema}.media_objects where media_id = $1`,
      [key.mediaId],
    );
    assert.deepEqual(rows, [{ tenant_id: key.tenantId }]);
    // And it cannot write a row for another tenant.
    await assert.rejects(
      db.withTenant(randomUUID(), (em) =>
        em.execute(
          `insert into ${media.schema}.media_objects (tenant_id, media_id, mime_type, size_bytes, sha256, bytes)
           values (?, ?, 'text/plain', 1, ?, '\\x00')`,
          [key.tenantId, randomUUID(), "0".repeat(64)],
        ),
      ),
      /row-level security/,
    );
  });
});
