import type { Db } from "@atendo/db";

/**
 * Tenants with held deliveries, or with released ones whose release stopped half-way, after
 * `afterTenantId` in id order: ids only, through the SECURITY DEFINER function (the service role
 * cannot see across tenants). Their rows are then read and changed under each tenant's own RLS.
 */
export async function tenantsWithHeldDeliveries(
  db: Db,
  afterTenantId: string | undefined,
  limit: number,
): Promise<string[]> {
  const rows = await db.withoutTenant((em) =>
    em.execute<Array<{ tenant_id: string }>>(
      "select tenant_id from delivery.tenants_with_held_deliveries(?::uuid, ?)",
      [afterTenantId ?? null, limit],
      "all",
    ),
  );
  return rows.map((r) => r.tenant_id);
}
