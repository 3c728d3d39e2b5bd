import { MemberRole } from "@atendo/proto/tenant/v1";

export type RoleName = "OWNER" | "ADMIN" | "AGENT";
/** The role as it appears in access tokens and principals (docs/auth.md). */
export type TokenRole = "owner" | "admin" | "agent";

const PROTO: Record<RoleName, MemberRole> = {
  OWNER: MemberRole.OWNER,
  ADMIN: MemberRole.ADMIN,
  AGENT: MemberRole.AGENT,
};
const RANK: Record<RoleName, number> = { AGENT: 1, ADMIN: 2, OWNER: 3 };

export const roleToProto = (role: RoleName): MemberRole => PROTO[role];

export function roleFromProto(role: MemberRole): RoleName | undefined {
  return (Object.keys(PROTO) as RoleName[]).find((name) => PROTO[name] === role);
}

export const roleToToken = (role: RoleName): TokenRole => role.toLowerCase() as TokenRole;

export function roleFromToken(role: string): RoleName {
  return role.toUpperCase() as RoleName;
}

/** Whether `role` is at least `least` (agent < admin < owner). */
export function roleAtLeast(role: RoleName, least: RoleName): boolean {
  return RANK[role] >= RANK[least];
}
