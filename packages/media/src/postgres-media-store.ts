import { Readable } from "node:stream";
import type { Db } from "@atendo/db";
import { mediaObjectsTable } from "./media-objects-table.js";
import type { MediaMetadata, MediaStore } from "./media-store.js";

interface MetadataRow {
  mime_type: string;
  size_bytes: string | number;
  sha256: string;
}

const metadataOf = (row: MetadataRow): MediaMetadata => ({
  mimeType: row.mime_type,
  sizeBytes: Number(row.size_bytes),
  sha256: row.sha256,
});

/**
 * Media bytes in a `bytea` column of the service's own schema (mediaObjectsTableSql), each call in
 * a unit of work of the key's tenant: row-level security keeps tenants apart. A read holds the
 * whole file in memory, which is why the S3 adapter is the one for large volumes.
 */
export function createPostgresMediaStore(options: { db: Db; schema: string }): MediaStore {
  const { db } = options;
  const table = mediaObjectsTable(options.schema);
  return {
    kind: "postgres",
    async put(key, bytes, metadata) {
      await db.withTenant(key.tenantId, (em) =>
        em.execute(
          `insert into ${table} (tenant_id, media_id, mime_type, size_bytes, sha256, bytes)
           values (?, ?, ?, ?, ?, ?)
           on conflict (tenant_id, media_id) do update set mime_type = excluded.mime_type,
             size_bytes = excluded.size_bytes, sha256 = excluded.sha256, bytes = excluded.bytes`,
          [
            key.tenantId,
            key.mediaId,
            metadata.mimeType,
            metadata.sizeBytes,
            metadata.sha256,
            Buffer.from(bytes),
          ],
          "run",
        ),
      );
    },
    async get(key) {
      const rows = await db.withTenant(key.tenantId, (em) =>
        em.execute<(MetadataRow & { bytes: Buffer })[]>(
          `select mime_type, size_bytes, sha256, bytes from ${table} where media_id = ?`,
          [key.mediaId],
        ),
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return { metadata: metadataOf(row), body: Readable.from([row.bytes]) };
    },
    async head(key) {
      const rows = await db.withTenant(key.tenantId, (em) =>
        em.execute<MetadataRow[]>(`select mime_type, size_bytes, sha256 from ${table} where media_id = ?`, [
          key.mediaId,
        ]),
      );
      return rows[0] === undefined ? undefined : metadataOf(rows[0]);
    },
    async delete(key) {
      await db.withTenant(key.tenantId, (em) =>
        em.execute(`delete from ${table} where media_id = ?`, [key.mediaId], "run"),
      );
    },
  };
}
