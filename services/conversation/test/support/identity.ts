// People, API keys and service tokens issued by the real tenant service, for calls with real
// credentials.
import { randomBytes } from "node:crypto";
import { type MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { devServiceCredential } from "@atendo/service-kit";
import type { Clients } from "./clients.js";
import type { Harness } from "./harness.js";

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

const uniqueEmail = (prefix: string) => `${prefix}-${randomBytes(6).toString("hex")}@example.com`;
const newPassword = () => `pw-${randomBytes(12).toString("base64url")}`;

/** Signs up a new tenant's owner. `plan: PRO` (set by the platform admin) allows several workspaces. */
export async function signUpOwner(h: Harness, options: { plan?: Plan } = {}): Promise<Owner> {
  const res = await h.anonymous.auth.signUp({
    email: uniqueEmail("owner"),
    password: newPassword(),
    name: "Olivia Owner",
    tenantName: "Padaria Central",
    tenantSlug: `padaria-${randomBytes(5).toString("hex")}`,
  });
  const accessToken = res.tokens?.accessToken ?? "";
  const tenantId = res.tenant?.id ?? "";
  if (accessToken === "" || tenantId === "") throw new Error("SignUp returned no tenant or token");
  if (options.plan !== undefined && options.plan !== Plan.FREE) {
    await (await h.platformAdmin()).tenants.updateTenant({
      tenantId,
      plan: options.plan,
      updateMask: { paths: ["plan"] },
    });
  }
  return {
    userId: res.user?.id ?? "",
    tenantId,
    workspaceId: res.workspace?.id ?? "",
    accessToken,
    clients: h.as(accessToken),
  };
}

/** A new user invited by `inviter` with `role`, limited to `workspaceIds` (empty: all), signed in. */
export async function addMember(
  h: Harness,
  inviter: Person,
  role: MemberRole,
  workspaceIds: string[] = [],
): Promise<Person> {
  const password = newPassword();
  const invited = await inviter.clients.tenants.inviteMember({
    tenantId: inviter.tenantId,
    email: uniqueEmail("member"),
    role,
    workspaceIds,
  });
  const accepted = await h.anonymous.tenants.acceptInvitation({
    invitationToken: invited.invitationToken,
    name: "Max Member",
    password,
  });
  const accessToken = accepted.tokens?.accessToken ?? "";
  if (accessToken === "") throw new Error("AcceptInvitation returned no token");
  return {
    userId: accepted.user?.id ?? "",
    tenantId: inviter.tenantId,
    accessToken,
    clients: h.as(accessToken),
  };
}

/** A new API key of `workspaceId` with `scopes`, created by an admin or owner; returns the full key. */
export async function createApiKey(creator: Person, workspaceId: string, scopes: string[]): Promise<string> {
  const res = await creator.clients.apiKeys.createApiKey({ workspaceId, name: "integration", scopes });
  if (res.secret === "") throw new Error("CreateApiKey returned no key");
  return res.secret;
}

/** A service token of `service`, traded for its development credential like the service itself would. */
export async function serviceToken(h: Harness, service: string): Promise<string> {
  const res = await h.anonymous.auth.issueServiceToken({
    service,
    credential: devServiceCredential(service),
  });
  return res.serviceToken;
}
