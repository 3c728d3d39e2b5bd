import {
  type PlanLimits,
  PlanLimitsSchema,
  type Tenant,
  TenantSchema,
  type Workspace,
  WorkspaceSchema,
} from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { planToProto, tenantStatusToProto } from "./enums.js";
import { effectiveLimits, type Limits } from "./plan-limits.js";
import type { TenantRecord, WorkspaceRecord } from "./tenant-model.js";

export function tenantView(t: TenantRecord): Tenant {
  return create(TenantSchema, {
    id: t.id,
    name: t.name,
    slug: t.slug,
    plan: planToProto(t.plan),
    status: tenantStatusToProto(t.status),
    statusReason: t.statusReason,
    limits: limitsToProto(effectiveLimits(t.plan, t.limits)),
    createdAt: timestampFromDate(t.createdAt),
    updatedAt: timestampFromDate(t.updatedAt),
  });
}

export function workspaceView(w: WorkspaceRecord): Workspace {
  return create(WorkspaceSchema, {
    id: w.id,
    tenantId: w.tenantId,
    name: w.name,
    timeZone: w.timeZone,
    defaultLanguage: w.defaultLanguage,
    createdAt: timestampFromDate(w.createdAt),
    updatedAt: timestampFromDate(w.updatedAt),
  });
}

export function limitsToProto(l: Limits): PlanLimits {
  return create(PlanLimitsSchema, {
    workspaces: l.workspaces,
    channels: l.channels,
    assistants: l.assistants,
    monthlyAiMessages: l.monthlyAiMessages,
    members: l.members,
  });
}

export function limitsFromProto(l: PlanLimits): Limits {
  return {
    workspaces: l.workspaces,
    channels: l.channels,
    assistants: l.assistants,
    monthlyAiMessages: l.monthlyAiMessages,
    members: l.members,
  };
}
