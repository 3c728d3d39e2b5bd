import { ActorKind as ActorKindProto, type AuditEntry, AuditEntrySchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ActorKind } from "./audit.js";

const KINDS: Record<ActorKind, ActorKindProto> = {
  USER: ActorKindProto.USER,
  API_KEY: ActorKindProto.API_KEY,
  VISITOR: ActorKindProto.VISITOR,
  PLATFORM_ADMIN: ActorKindProto.PLATFORM_ADMIN,
  SYSTEM: ActorKindProto.SYSTEM,
};

export function actorKindFromProto(kind: ActorKindProto): ActorKind {
  return (Object.keys(KINDS) as ActorKind[]).find((k) => KINDS[k] === kind) ?? "SYSTEM";
}

const summary = (value: unknown): string =>
  value === null || value === undefined ? "" : JSON.stringify(value);

export function auditEntryView(r: {
  id: string;
  tenantId: string;
  workspaceId: string | null | undefined;
  actorKind: string;
  actorId: string;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  occurredAt: Date;
  correlationId: string;
}): AuditEntry {
  return create(AuditEntrySchema, {
    id: r.id,
    tenantId: r.tenantId,
    workspaceId: r.workspaceId ?? "",
    actor: {
      kind: KINDS[r.actorKind as ActorKind] ?? ActorKindProto.UNSPECIFIED,
      id: r.actorId,
      displayName: r.actorName,
    },
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    beforeSummary: summary(r.before),
    afterSummary: summary(r.after),
    occurredAt: timestampFromDate(r.occurredAt),
    correlationId: r.correlationId,
  });
}
