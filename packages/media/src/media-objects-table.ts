import { tenantRls } from "@atendo/db";

export const MEDIA_OBJECTS_TABLE = "media_objects";

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** `<schema>.media_objects`, checked to be a plain identifier (it is put into SQL text). */
export function mediaObjectsTable(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new Error(`schema must be a plain identifier: ${schema}`);
  return `${schema}.${MEDIA_OBJECTS_TABLE}`;
}

/**
 * DDL of the Postgres adapter's table, for a migration of the service that keeps media: the bytes
 * as `bytea` with their metadata, one row per (tenant, media id), under the tenant policy.
 */
export function mediaObjectsTableSql(schema: string): string[] {
  const table = mediaObjectsTable(schema);
  return [
    `create table ${table} (
      tenant_id uuid not null,
      media_id uuid not null,
      mime_type text not null,
      size_bytes bigint not null check (size_bytes >= 0),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      bytes bytea not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, media_id))`,
    ...tenantRls(table),
  ];
}
