import type { EntityManager } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import type { RoleName } from "../domain/roles.js";
import { MembershipEntity } from "./membership-entity.js";

// Every function runs inside db.withTenant: row-level security limits it to one tenant.

export function findMembership(em: EntityManager, userId: string): Promise<MembershipEntity | null> {
  return em.findOne(MembershipEntity, { userId });
}

/** The membership, locked until commit (role changes and removals of one member serialise). */
export function lockMembership(em: EntityManager, userId: string): Promise<MembershipEntity | null> {
  return em.findOne(MembershipEntity, { userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function countMembers(em: EntityManager): Promise<number> {
  return em.count(MembershipEntity, {});
}

export function countOwners(em: EntityManager): Promise<number> {
  return em.count(MembershipEntity, { role: "OWNER" });
}

/** A member with the user's email and name (users are global; memberships are the tenant's). */
export interface MemberRecord {
  userId: string;
  tenantId: string;
  email: string;
  name: string;
  role: RoleName;
  workspaceIds: string[];
  joinedAt: Date;
  lastLoginAt: Date | null | undefined;
  /** The name as the list sorts it (lower(name) in the database's collation): the page cursor. */
  sortName: string;
}

interface MemberSqlRow {
  user_id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: RoleName;
  workspace_ids: string[];
  created_at: Date;
  last_login_at: Date | null;
  sort_name: string;
}

const toRecord = (r: MemberSqlRow): MemberRecord => ({
  userId: r.user_id,
  tenantId: r.tenant_id,
  email: r.email,
  name: r.name,
  role: r.role,
  workspaceIds: r.workspace_ids,
  joinedAt: new Date(r.created_at),
  lastLoginAt: r.last_login_at === null ? null : new Date(r.last_login_at),
  sortName: r.sort_name,
});

const SELECT = `select m.user_id, m.tenant_id, u.email, u.name, m.role, m.workspace_ids::text[] as workspace_ids,
         m.created_at, m.last_login_at, lower(u.name) as sort_name
    from tenant.memberships m join tenant.users u on u.id = m.user_id`;

export async function findMember(em: EntityManager, userId: string): Promise<MemberRecord | undefined> {
  const rows = await em.execute<MemberSqlRow[]>(`${SELECT} where m.user_id = ?`, [userId], "all");
  const row = rows[0];
  return row === undefined ? undefined : toRecord(row);
}

/** By name (case-insensitive), then user id; `after` continues after that (name, id). */
export async function listMembers(
  em: EntityManager,
  filter: {
    role: RoleName | undefined;
    workspaceId: string | undefined;
    /** Only members who may use one of these workspaces (those limited to none included). */
    within?: string[] | undefined;
    after: { name: string; id: string } | undefined;
  },
  limit: number,
): Promise<MemberRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.role !== undefined) {
    where.push("m.role = ?");
    params.push(filter.role);
  }
  if (filter.workspaceId !== undefined) {
    where.push("(cardinality(m.workspace_ids) = 0 or ?::uuid = any(m.workspace_ids))");
    params.push(filter.workspaceId);
  }
  if (filter.within !== undefined) {
    where.push("(cardinality(m.workspace_ids) = 0 or m.workspace_ids && ?::uuid[])");
    // Ids of stored memberships (UUIDs): a plain array literal.
    params.push(`{${filter.within.join(",")}}`);
  }
  if (filter.after !== undefined) {
    where.push("(lower(u.name), m.user_id) > (?, ?::uuid)");
    params.push(filter.after.name, filter.after.id);
  }
  const rows = await em.execute<MemberSqlRow[]>(
    `${SELECT} ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
      order by lower(u.name), m.user_id limit ?`,
    [...params, limit],
    "all",
  );
  return rows.map(toRecord);
}
