import type { HandlerContext } from "@connectrpc/connect";
import { createContextKey } from "@connectrpc/connect";
import { invalidCredentials } from "./auth-errors.js";

/** Member roles, least to most powerful. */
export const ROLES = ["agent", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: string;
  readonly tenantId: string;
  readonly role: Role;
  /** Workspaces the user is limited to; empty: every workspace of the tenant. */
  readonly workspaceIds: readonly string[];
  readonly platformAdmin: boolean;
}

export interface ApiKeyPrincipal {
  readonly kind: "api_key";
  readonly apiKeyId: string;
  readonly tenantId: string;
  readonly workspaceId: string;
  readonly scopes: readonly string[];
}

export interface VisitorPrincipal {
  readonly kind: "visitor";
  readonly tenantId: string;
  readonly workspaceId: string;
  readonly channelId: string;
  readonly visitorId: string;
  readonly sessionId: string;
  readonly verified: boolean;
}

export interface ServicePrincipal {
  readonly kind: "service";
  readonly service: string;
}

/** An authenticated caller (docs/auth.md). */
export type Principal = UserPrincipal | ApiKeyPrincipal | VisitorPrincipal | ServicePrincipal;

/** What a signed token can carry: every principal but API keys. */
export type TokenPrincipal = Exclude<Principal, ApiKeyPrincipal>;

/** Whether `role` is at least `least` (owner > admin > agent). */
export function roleAtLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

export function isRole(value: unknown): value is Role {
  return ROLES.some((r) => r === value);
}

/** The caller of the current RPC, set by the auth interceptor; undefined on an anonymous public call. */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "atendo principal",
});

/**
 * The credential the caller presented (token or API key, without "Bearer "), so calls made while
 * handling this request can forward it ("" when none). Never log it.
 */
export const credentialKey = createContextKey<string>("", { description: "atendo credential" });

/** The caller of the current RPC; `unauthenticated` when the call carries none. */
export function principalOf(ctx: Pick<HandlerContext, "values">): Principal {
  const principal = ctx.values.get(principalKey);
  if (principal === undefined) throw invalidCredentials();
  return principal;
}
