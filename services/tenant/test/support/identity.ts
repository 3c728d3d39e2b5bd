import { randomBytes } from "node:crypto";
import { type MemberRole, MemberRole as Role, type TokenPair } from "@atendo/proto/tenant/v1";
import { adminQuery } from "@atendo/testing";
import { decodeProtectedHeader, importPKCS8, type JWTPayload, SignJWT } from "jose";
import { parseKeyRing } from "../../src/domain/key-ring.js";
import { createSecretBox } from "../../src/domain/secret-box.js";
import { type Clients, randomIp, type TenantHarness, uniqueEmail, uniqueSlug } from "./start-tenant.js";

/** A logged-in person of a tenant and what they can call with. */
export interface Person {
  email: string;
  password: string;
  userId: string;
  tenantId: string;
  tokens: TokenPair;
  clients: Clients;
}

export const newPassword = () => `pw-${randomBytes(9).toString("base64url")}`;

/** Signs up a new owner with a tenant of their own and a first workspace. */
export async function signUpOwner(
  h: TenantHarness,
  overrides: { tenantName?: string } = {},
): Promise<Person & { workspaceId: string }> {
  const email = uniqueEmail("owner");
  const password = newPassword();
  const res = await h.anonymous.auth.signUp({
    email,
    password,
    name: "Olivia Owner",
    tenantName: overrides.tenantName ?? "Owner's shop",
    tenantSlug: uniqueSlug("shop"),
  });
  const tokens = res.tokens;
  if (tokens === undefined) throw new Error("SignUp returned no tokens");
  return {
    email,
    password,
    userId: res.user?.id ?? "",
    tenantId: res.tenant?.id ?? "",
    workspaceId: res.workspace?.id ?? "",
    tokens,
    clients: h.as(tokens.accessToken),
  };
}

/** Invites someone with `inviter`'s clients and accepts as a new user: a member with `role`. */
export async function addMember(
  h: TenantHarness,
  inviter: Person,
  role: MemberRole = Role.AGENT,
  workspaceIds: string[] = [],
  name = "Max Member",
): Promise<Person> {
  const email = uniqueEmail("member");
  const password = newPassword();
  const invited = await inviter.clients.tenants.inviteMember({
    tenantId: inviter.tenantId,
    email,
    role,
    workspaceIds,
  });
  const accepted = await h.anonymous.tenants.acceptInvitation({
    invitationToken: invited.invitationToken,
    name,
    password,
  });
  const tokens = accepted.tokens;
  if (tokens === undefined) throw new Error("AcceptInvitation returned no tokens");
  return {
    email,
    password,
    userId: accepted.user?.id ?? "",
    tenantId: inviter.tenantId,
    tokens,
    clients: h.as(tokens.accessToken),
  };
}

/** Login headers from a fresh client address (its own per-IP failure counter). */
export const fromNewIp = () => ({ headers: { "x-forwarded-for": randomIp() } });

/** The payload of a JWT (no verification: tests check what was signed). */
export function claimsOf(token: string): JWTPayload {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as JWTPayload;
}

export const headerOf = (token: string) => decodeProtectedHeader(token);

// The development key ring the harness runs with (config.ts): tests may open what the service sealed.
const DEV_RING = "dev:YXRlbmRvLWxvY2FsLWRldi1rZXktbm90LXNlY3JldCE=";

/**
 * Signs a token with the service's own active key, read back from the database: how tests make
 * tokens the service must refuse for their claims (expired, wrong typ), not their signature.
 */
export async function signWithServiceKey(
  h: TenantHarness,
  header: { typ: string },
  claims: JWTPayload & { sub: string },
  times: { iat: number; exp: number },
): Promise<string> {
  const [row] = await adminQuery<{ kid: string; private_key: Buffer; key_id: string }>(
    `select kid, private_key, key_id from tenant.signing_keys where issuer = $1 and active_from <= now()
      order by active_from desc limit 1`,
    [`atendo-test-${h.namespace}`],
  );
  if (row === undefined) throw new Error("the service has no signing key");
  const der = createSecretBox(parseKeyRing(DEV_RING)).open(
    { keyId: row.key_id, ciphertext: row.private_key },
    `atendo.tenant.signing_key:${row.kid}`,
  );
  const pem = `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----`;
  const key = await importPKCS8(pem, "EdDSA");
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "EdDSA", typ: header.typ, kid: row.kid })
    .setIssuer(`atendo-test-${h.namespace}`)
    .setAudience("atendo")
    .setIssuedAt(times.iat)
    .setExpirationTime(times.exp)
    .setJti(randomBytes(8).toString("hex"))
    .sign(key);
}

/** Lifts a FREE tenant's limits (as the platform admin) for tests that need more members or workspaces. */
export async function raiseLimits(h: TenantHarness, tenantId: string): Promise<void> {
  await h.tenants.updateTenant({
    tenantId,
    updateMask: { paths: ["limits"] },
    limits: { workspaces: 10, channels: 10, assistants: 10, monthlyAiMessages: 1000, members: 20 },
  });
}
