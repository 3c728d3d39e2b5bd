import { Code } from "@connectrpc/connect";
import { codeOf } from "../code-of.js";
import { waitFor } from "../wait-for.js";
import { clientsFor } from "./clients-for.js";
import { TENANT_SERVICES } from "./tenant-services.js";
import type { IdentityKit, Owner } from "./types.js";

/** docs/auth.md: a revoked key or a suspended tenant stops working everywhere within a second. */
export const ACCESS_CHANGE_WITHIN_MS = 1000;

export interface AccessChangesCheck<C> {
  identity: IdentityKit<C>;
  /** Where the tenant service answers: the key is revoked and the tenant suspended there. */
  tenantUrl: string;
  /** A verified owner of a tenant no other test uses (the tenant is suspended for a moment). */
  owner: Owner<C>;
  /** What an API key of the owner's workspace needs for `call`. */
  scopes: readonly string[];
  /** One RPC of the service under test, in the owner's workspace, sending `credential`; it succeeds. */
  call(credential: string): Promise<unknown>;
  /** Default ACCESS_CHANGE_WITHIN_MS. */
  withinMs?: number;
}

/** How long after each change (its RPC answered) the service under test applied it, in ms. */
export interface AccessChangeTimes {
  revokedMs: number;
  suspendedMs: number;
  reactivatedMs: number;
}

/**
 * Proves that a service hears the tenant service's access changes at once, not when its caches
 * expire: an API key revoked (cached for 5 s otherwise) is refused as unauthenticated, and so is a
 * user token of a suspended tenant (valid 15 min otherwise), until the tenant is reactivated. Each
 * change must show through `call` within `withinMs`; a refusal names the step.
 */
export async function expectAccessChangesHeard<C>(check: AccessChangesCheck<C>): Promise<AccessChangeTimes> {
  const { identity, owner, call } = check;
  const withinMs = check.withinMs ?? ACCESS_CHANGE_WITHIN_MS;
  const key = await identity.createApiKey(owner, owner.workspaceId, check.scopes);
  await expectCode(call(key.secret), "ok", "a call with the new API key");
  await expectCode(call(owner.accessToken), "ok", "a call with the owner's token");

  const asOwner = clientsFor(check.tenantUrl, owner.accessToken, TENANT_SERVICES);
  await asOwner.apiKeys.revokeApiKey({ workspaceId: owner.workspaceId, apiKeyId: key.id });
  const revokedMs = await until(() => call(key.secret), Code.Unauthenticated, withinMs, "the revoked key");

  const admin = await identity.platformAdmin();
  const asAdmin = clientsFor(check.tenantUrl, admin.accessToken, TENANT_SERVICES);
  await asAdmin.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "access changes test" });
  const suspendedMs = await until(
    () => call(owner.accessToken),
    Code.Unauthenticated,
    withinMs,
    "the suspended tenant's owner",
  );
  await asAdmin.tenants.reactivateTenant({ tenantId: owner.tenantId });
  const reactivatedMs = await until(() => call(owner.accessToken), "ok", withinMs, "the reactivated owner");
  return { revokedMs, suspendedMs, reactivatedMs };
}

async function expectCode(call: Promise<unknown>, expected: Code | "ok", what: string): Promise<void> {
  const code = await codeOf(call);
  if (code !== expected) throw new Error(`${what} answered ${name(code)}, expected ${name(expected)}`);
}

/** Polls `attempt` until it ends with `expected`; returns how long that took. */
async function until(
  attempt: () => Promise<unknown>,
  expected: Code | "ok",
  withinMs: number,
  who: string,
): Promise<number> {
  const since = Date.now();
  await waitFor(async () => (await codeOf(attempt())) === expected, {
    timeoutMs: withinMs,
    intervalMs: 10,
    message: `${who} to be answered ${name(expected)} within ${withinMs} ms`,
  });
  return Date.now() - since;
}

const name = (code: Code | "ok") => (code === "ok" ? "ok" : Code[code]);
