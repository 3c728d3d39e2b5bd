// The principals a test needs, created through the tenant service's own RPCs.
import { randomBytes } from "node:crypto";
import { newId } from "@atendo/db";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import type { Clients } from "./clients.js";
import type { Stack } from "./stack.js";

/** A tenant signed up by its owner, with its first workspace. */
export interface Workspace extends Clients {
  tenantId: string;
  workspaceId: string;
  ownerId: string;
  /** The owner's access token (the clients of this object send it). */
  token: string;
}

/** Someone other than the owner: a member or an API key, with clients sending its credential. */
export interface Caller extends Clients {
  /** The user id or API key id. */
  id: string;
  credential: string;
}

const unique = () => randomBytes(6).toString("hex");

/**
 * A new tenant signed up by its owner (FREE allows one workspace and one assistant; PRO unless
 * told, set by the platform admin) whose workspace's default language is pt-BR unless told.
 */
export async function signUp(
  stack: Stack,
  options: { plan?: Plan; defaultLanguage?: string } = {},
): Promise<Workspace> {
  const id = unique();
  const res = await stack.anonymous.auth.signUp({
    email: `owner-${id}@example.com`,
    password: `password-${id}`,
    name: `Owner ${id}`,
    tenantName: `Tenant ${id}`,
  });
  const tenantId = res.tenant?.id ?? "";
  const workspaceId = res.workspace?.id ?? "";
  const token = res.tokens?.accessToken ?? "";
  if (tenantId === "" || workspaceId === "" || token === "") throw new Error("signUp answered incompletely");
  const plan = options.plan ?? Plan.PRO;
  if (plan !== Plan.FREE) {
    await stack.platform.tenants.updateTenant({ tenantId, updateMask: { paths: ["plan"] }, plan });
  }
  const clients = stack.as(token);
  await clients.tenants.updateWorkspace({
    workspaceId,
    updateMask: { paths: ["default_language"] },
    defaultLanguage: options.defaultLanguage ?? "pt-BR",
  });
  return { ...clients, tenantId, workspaceId, ownerId: res.user?.id ?? "", token };
}

/** Another workspace of the same tenant (needs a plan that allows it). */
export async function addWorkspace(owner: Workspace): Promise<Workspace> {
  const { workspace } = await owner.tenants.createWorkspace({
    tenantId: owner.tenantId,
    name: `Workspace ${unique()}`,
    defaultLanguage: "pt-BR",
  });
  if (workspace === undefined) throw new Error("createWorkspace returned no workspace");
  return { ...owner, workspaceId: workspace.id };
}

/** A member of the owner's tenant with `role`, limited to `workspaceIds` when given. */
export async function addMember(
  stack: Stack,
  owner: Workspace,
  role: MemberRole,
  workspaceIds: string[] = [],
): Promise<Caller> {
  const id = unique();
  const { invitationToken } = await owner.tenants.inviteMember({
    tenantId: owner.tenantId,
    email: `member-${id}@example.com`,
    role,
    workspaceIds,
  });
  const accepted = await stack.anonymous.tenants.acceptInvitation({
    invitationToken,
    name: `Member ${id}`,
    password: `password-${id}`,
  });
  const token = accepted.tokens?.accessToken ?? "";
  if (token === "") throw new Error("acceptInvitation returned no token");
  return { ...stack.as(token), id: accepted.user?.id ?? "", credential: token };
}

export const agentOf = (stack: Stack, owner: Workspace) => addMember(stack, owner, MemberRole.AGENT);
export const adminOf = (stack: Stack, owner: Workspace) => addMember(stack, owner, MemberRole.ADMIN);

/** An API key of the owner's workspace holding `scopes`. */
export async function apiKeyOf(stack: Stack, owner: Workspace, scopes: string[]): Promise<Caller> {
  const { apiKey, secret } = await owner.apiKeys.createApiKey({
    workspaceId: owner.workspaceId,
    name: `Key ${unique()}`,
    scopes,
  });
  if (apiKey === undefined || secret === "") throw new Error("createApiKey returned no key");
  return { ...stack.as(secret), id: apiKey.id, credential: secret };
}

/** A web-chat channel of the workspace (the simplest channel to create). */
export async function createChannel(owner: Workspace): Promise<string> {
  const { channel } = await owner.channels.createChannel({
    workspaceId: owner.workspaceId,
    name: `Site ${newId()}`,
    config: { case: "web", value: { allowedOrigins: [] } },
  });
  if (channel === undefined) throw new Error("createChannel returned no channel");
  return channel.id;
}
