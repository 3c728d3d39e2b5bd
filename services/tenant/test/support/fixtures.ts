import { Plan } from "@atendo/proto/tenant/v1";
import { uniqueSlug } from "@atendo/testing";
import { randomDigits, type TenantHarness } from "./start-tenant.js";

/** A fresh tenant (PRO unless told) with one workspace. */
export async function tenantWithWorkspace(
  h: TenantHarness,
  plan: Plan = Plan.PRO,
): Promise<{ tenantId: string; workspaceId: string }> {
  const { tenant } = await h.tenants.createTenant({ name: "Channel tests", slug: uniqueSlug("ch"), plan });
  const tenantId = tenant?.id ?? "";
  const { workspace } = await h.tenants.createWorkspace({ tenantId, name: "Main" });
  return { tenantId, workspaceId: workspace?.id ?? "" };
}

/** WhatsApp settings with fresh ids and long secrets (long enough to get hints). */
export function whatsappConfig(overrides: Partial<Record<string, string>> = {}) {
  return {
    phoneNumberId: randomDigits(),
    wabaId: randomDigits(),
    displayPhoneNumber: "+1 555 0100",
    accessToken: `EAAG-access-token-${randomDigits(8)}`,
    appSecret: `app-secret-${randomDigits(12)}`,
    verifyToken: `verify-token-${randomDigits(10)}`,
    ...overrides,
  };
}

export function instagramConfig() {
  return {
    accountId: randomDigits(17),
    accessToken: `IGAA-access-token-${randomDigits(8)}`,
    appSecret: `ig-app-secret-${randomDigits(12)}`,
    verifyToken: `ig-verify-token-${randomDigits(10)}`,
  };
}
