import type { EntityManager } from "@atendo/db";
import { UserRow } from "./user-row.js";

// Users are global (no RLS): these work in any unit of work.

export function findUser(em: EntityManager, userId: string): Promise<UserRow | null> {
  return em.findOne(UserRow, { id: userId });
}

/** By normalised email (stored lowercased). */
export function findUserByEmail(em: EntityManager, email: string): Promise<UserRow | null> {
  return em.findOne(UserRow, { email });
}
