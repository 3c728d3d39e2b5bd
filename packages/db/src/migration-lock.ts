import { createHash } from "node:crypto";

// pg_advisory_lock(int4, int4): a fixed class id per purpose and a per-schema object id, so schemas
// never wait on each other while replicas working on one schema take turns.
const MIGRATION_LOCK_CLASS = 0x41544e44; // "ATND": Atendo migrations
const OUTBOX_CLAIM_LOCK_CLASS = 0x4154_4f42; // "ATOB": outbox claims

function schemaLockKey(lockClass: number, schema: string): [number, number] {
  return [lockClass, createHash("sha256").update(schema).digest().readInt32BE(0)];
}

export function migrationLockKey(schema: string): [number, number] {
  return schemaLockKey(MIGRATION_LOCK_CLASS, schema);
}

export function outboxClaimLockKey(schema: string): [number, number] {
  return schemaLockKey(OUTBOX_CLAIM_LOCK_CLASS, schema);
}
