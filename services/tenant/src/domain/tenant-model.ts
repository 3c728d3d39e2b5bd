import type { PlanName, TenantStatusName } from "./enums.js";
import type { Limits } from "./plan-limits.js";

export interface TenantRecord {
  id: string;
  name: string;
  slug: string;
  plan: PlanName;
  status: TenantStatusName;
  statusReason: string;
  /** Limits replacing the plan's defaults; null keeps them. */
  limits: Limits | null | undefined;
  createdAt: Date;
  updatedAt: Date;
}

export interface WorkspaceRecord {
  id: string;
  tenantId: string;
  name: string;
  timeZone: string;
  defaultLanguage: string;
  createdAt: Date;
  updatedAt: Date;
}
