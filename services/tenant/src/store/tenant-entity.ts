import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import type { Limits } from "../domain/plan-limits.js";

export const TenantEntity = defineEntity({
  name: "TenantEntity",
  tableName: "tenants",
  properties: {
    id: p.uuid().primary(),
    // Equal to id: lets the shared tenant_id policy cover this table.
    tenantId: p.uuid(),
    name: p.text(),
    slug: p.text(),
    plan: p.enum(["FREE", "PRO", "ENTERPRISE"] as const),
    status: p.enum(["ACTIVE", "SUSPENDED"] as const),
    statusReason: p.text(),
    limits: p.json<Limits>().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type TenantEntity = InferEntity<typeof TenantEntity>;
