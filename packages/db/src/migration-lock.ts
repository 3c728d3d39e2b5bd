import { createHash } from "node:crypto";

// pg_advisory_lock(int4, int4): a fixed class id for Atendo migrations ("ATND") and a per-schema
// object id, so services migrate in parallel while replicas of one service take turns.
const MIGRATION_LOCK_CLASS = 0x41544e44;

export function migrationLockKey(schema: string): [number, number] {
  return [MIGRATION_LOCK_CLASS, createHash("sha256").update(schema).digest().readInt32BE(0)];
}
