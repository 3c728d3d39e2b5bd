// People and API keys issued by the real tenant service, for calls with real credentials.
import { randomBytes } from "node:crypto";
import type { MemberRole } from "@atendo/proto/tenant/v1";
import type { Clients } from "./clients.js";

/** A signed-in member of a tenant and clients that call as them. */
export interface Person {
  userId: string;
  tenantId: string;
  accessToken: string;
  clients: Clients;
}

/** The owner of a new tenant and its first workspace. */
export interface Owner extends Person {
  workspaceId: string;
}

/** What the identity helpers need of the harness. */
export interface IdentityHost {
  anonymous: Clients;
  as(credential: string): Clients;
}

export const uniqueEmail = (prefix: string) => `${prefix}-${randomBytes(6).toString("hex")}@example.com`;
export const newPassword = () => `pw-${randomBytes(12).toString("base64url")}`;

/** Signs up a new tenant's owner (the tenant, its owner and a first workspace). */
export async function signUpOwner(host: IdentityHost, email = uniqueEmail("owner")): Promise<Owner> {
  const res = await host.anonymous.auth.signUp({
    email,
    password: newPassword(),
    name: "Olivia Owner",
    tenantName: "Padaria Pão Quente",
    tenantSlug: `padaria-${randomBytes(5).toString("hex")}`,
  });
  const accessToken = res.tokens?.accessToken ?? "";
  const tenantId = res.tenant?.id ?? "";
  const workspaceId = res.workspace?.id ?? "";
  if (accessToken === "" || tenantId === "" || workspaceId === "") {
    throw new Error("SignUp returned no tenant, workspace or token");
  }
  return { userId: res.user?.id ?? "", tenantId, workspaceId, accessToken, clients: host.as(accessToken) };
}

/** A new user invited by `inviter` with `role`, limited to `workspaceIds` (empty: all), signed in. */
export async function addMember(
  host: IdentityHost,
  inviter: Person,
  role: MemberRole,
  workspaceIds: string[] = [],
): Promise<Person> {
  const invited = await inviter.clients.tenants.inviteMember({
    tenantId: inviter.tenantId,
    email: uniqueEmail("member"),
    role,
    workspaceIds,
  });
  const accepted = await host.anonymous.tenants.acceptInvitation({
    invitationToken: invited.invitationToken,
    name: "Max Member",
    password: newPassword(),
  });
  const accessToken = accepted.tokens?.accessToken ?? "";
  if (accessToken === "") throw new Error("AcceptInvitation returned no token");
  return {
    userId: accepted.user?.id ?? "",
    tenantId: inviter.tenantId,
    accessToken,
    clients: host.as(accessToken),
  };
}

/** A new API key of `workspaceId` with `scopes`, created by an admin or owner; returns the full key. */
export async function createApiKey(creator: Person, workspaceId: string, scopes: string[]): Promise<string> {
  const res = await creator.clients.apiKeys.createApiKey({ workspaceId, name: "integration", scopes });
  if (res.secret === "") throw new Error("CreateApiKey returned no key");
  return res.secret;
}
