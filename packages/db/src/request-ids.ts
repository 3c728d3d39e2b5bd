import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { assertIdentifier, quoteIdentifier } from "./identifiers.js";
import { pruneFunctionSql } from "./prune-function.js";
import { tenantRls } from "./tenant-rls.js";

// AIP-155: a Create or an action a client may retry carries a `request_id`; the first call's
// result is stored with the change, and a retry with the same id gets that result back instead of
// doing the work twice.

export interface RequestIdKey {
  tenantId: string;
  /** The client's request_id (a UUID). */
  requestId: string;
  /** The RPC, e.g. "atendo.tenant.v1.ChannelService/CreateChannel": one id per method. */
  method: string;
  /** Fingerprint of the request without its request_id (see requestFingerprint). */
  fingerprint: string;
}

/** The same request_id came back with a different request: the caller reused it by mistake. */
export class RequestIdReusedError extends Error {
  override readonly name = "RequestIdReusedError";
  constructor(readonly requestId: string) {
    super(`request_id ${requestId} was already used for a different request`);
  }
}

export interface RequestIds {
  /**
   * Runs `work` once per (tenant, request id) inside the caller's tenant transaction and returns
   * its encoded result; a retry (a concurrent one waits for the first to commit) returns the stored
   * result without running `work`. If `work` throws, the transaction rolls back and the id is free.
   */
  once(em: EntityManager, key: RequestIdKey, work: () => Promise<Uint8Array>): Promise<Uint8Array>;
}

/** A stable fingerprint of a request's bytes (encode it without request_id first). */
export function requestFingerprint(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64url");
}

/**
 * DDL for `<schema>.request_ids` with its prune function (see requestIdsRetentionSql); add it to
 * a migration of every service with retried creates or actions.
 */
export function requestIdsTableSql(schema: string): string[] {
  assertIdentifier("schema", schema);
  const table = `${quoteIdentifier(schema)}.request_ids`;
  return [
    `create table ${table} (
      tenant_id uuid not null,
      request_id uuid not null,
      method text not null,
      fingerprint text not null,
      response bytea,
      created_at timestamptz not null default now(),
      primary key (tenant_id, request_id))`,
    `create index request_ids_created_at on ${table} (created_at)`,
    ...tenantRls(`${schema}.request_ids`),
    ...pruneFunctionSql(schema, "request_ids", "created_at"),
  ];
}

export function createRequestIds(schema: string): RequestIds {
  assertIdentifier("schema", schema);
  const table = `${quoteIdentifier(schema)}.request_ids`;
  return {
    async once(em, key, work) {
      const claimed = await em.execute<Array<{ claimed: number }>>(
        `insert into ${table} (tenant_id, request_id, method, fingerprint) values (?, ?, ?, ?)
         on conflict (tenant_id, request_id) do nothing returning 1 as claimed`,
        [key.tenantId, key.requestId, key.method, key.fingerprint],
        "all",
      );
      if (claimed.length === 0) {
        const rows = await em.execute<
          Array<{ method: string; fingerprint: string; response: Buffer | null }>
        >(
          `select method, fingerprint, response from ${table} where tenant_id = ? and request_id = ?`,
          [key.tenantId, key.requestId],
          "all",
        );
        const row = rows[0];
        if (row === undefined || row.method !== key.method || row.fingerprint !== key.fingerprint) {
          throw new RequestIdReusedError(key.requestId);
        }
        return new Uint8Array(row.response ?? Buffer.alloc(0));
      }
      const response = await work();
      await em.execute(
        `update ${table} set response = ? where tenant_id = ? and request_id = ?`,
        [Buffer.from(response), key.tenantId, key.requestId],
        "run",
      );
      return response;
    },
  };
}
