import { randomBytes } from "node:crypto";
import type { MemberRole } from "@atendo/proto/tenant/v1";
import type { Clients, Harness, Owner } from "./harness.js";

/** A member of the owner's tenant with `role` (invited, then accepted), and their clients. */
export async function addMember(
  h: Harness,
  owner: Owner,
  role: MemberRole,
  workspaceIds: string[] = [],
): Promise<Clients> {
  const invited = await owner.clients.tenants.inviteMember({
    tenantId: owner.tenantId,
    email: `member-${randomBytes(6).toString("hex")}@example.com`,
    role,
    workspaceIds,
  });
  const accepted = await h.anonymous.tenants.acceptInvitation({
    invitationToken: invited.invitationToken,
    name: "Max Member",
    password: `pw-${randomBytes(9).toString("base64url")}`,
  });
  const token = accepted.tokens?.accessToken ?? "";
  if (token === "") throw new Error("AcceptInvitation returned no access token");
  return h.as(token);
}

/** Clients sending a new API key of the workspace with these scopes. */
export async function apiKeyClients(
  h: Harness,
  owner: Owner,
  workspaceId: string,
  scopes: string[],
): Promise<Clients> {
  const { secret } = await owner.clients.apiKeys.createApiKey({
    workspaceId,
    name: `key ${scopes.join(" ")}`,
    scopes,
  });
  return h.as(secret);
}
