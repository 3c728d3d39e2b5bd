import type { EntityManager } from "@atendo/db";
import { UserEntity } from "./user-entity.js";

// Users are global (no RLS): these work in any unit of work.

export function findUser(em: EntityManager, userId: string): Promise<UserEntity | null> {
  return em.findOne(UserEntity, { id: userId });
}

/** By normalised email (stored lowercased). */
export function findUserByEmail(em: EntityManager, email: string): Promise<UserEntity | null> {
  return em.findOne(UserEntity, { email });
}
