import type { TokenRole } from "./roles.js";

/** What each kind of JWT says (docs/auth.md); iss, aud, iat, exp and jti are added when signing. */
export type TokenSpec =
  | {
      typ: "at+jwt";
      sub: string;
      claims: { tid: string; role: TokenRole; ws?: string[]; padm?: true };
      ttlS: number;
    }
  | {
      typ: "visitor+jwt";
      sub: string;
      claims: { tid: string; wsid: string; chid: string; sid: string; ver: boolean };
      ttlS: number;
    }
  | { typ: "svc+jwt"; sub: string; claims: Record<string, never>; ttlS: number };

export interface AccessSubject {
  userId: string;
  tenantId: string;
  role: TokenRole;
  /** Empty: every workspace (the claim is then left out). */
  workspaceIds: readonly string[];
  platformAdmin: boolean;
}

export function accessTokenSpec(s: AccessSubject, ttlS: number): TokenSpec {
  return {
    typ: "at+jwt",
    sub: s.userId,
    claims: {
      tid: s.tenantId,
      role: s.role,
      ...(s.workspaceIds.length > 0 ? { ws: [...s.workspaceIds] } : {}),
      ...(s.platformAdmin ? { padm: true as const } : {}),
    },
    ttlS,
  };
}

export function serviceTokenSpec(service: string, ttlS: number): TokenSpec {
  return { typ: "svc+jwt", sub: `service:${service}`, claims: {}, ttlS };
}
