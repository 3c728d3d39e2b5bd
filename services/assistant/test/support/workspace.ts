// Owners as the assistant tests want them: a plan with room for several assistants, and workspaces
// that speak pt-BR (an assistant's default language comes from its workspace).
import { Plan } from "@atendo/proto/tenant/v1";
import type { Owner } from "@atendo/testing";
import type { Clients, Stack } from "./stack.js";

/** A tenant's owner, placed in one of its workspaces, with clients that call as them. */
export type Workspace = Owner<Clients>;

/** A new tenant signed up by its owner: PRO unless told (FREE allows one assistant), pt-BR unless told. */
export async function signUp(
  stack: Stack,
  options: { plan?: Plan; defaultLanguage?: string } = {},
): Promise<Workspace> {
  const owner = await stack.identity.signUpOwner({ plan: options.plan ?? Plan.PRO });
  await owner.clients.tenants.updateWorkspace({
    workspaceId: owner.workspaceId,
    updateMask: { paths: ["default_language"] },
    defaultLanguage: options.defaultLanguage ?? "pt-BR",
  });
  return owner;
}

/** Another pt-BR workspace of the same tenant, with the same owner. */
export function addWorkspace(stack: Stack, owner: Workspace): Promise<Workspace> {
  return stack.identity.addWorkspace(owner, { defaultLanguage: "pt-BR" });
}
