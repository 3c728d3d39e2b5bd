import { newEventMeta } from "@atendo/bus";
import {
  ApiKeyRevokedSchema,
  type Channel,
  ChannelCreatedSchema,
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  type Member,
  type MemberChange,
  MemberChangedSchema,
  type Tenant,
  TenantCreatedSchema,
  TenantReactivatedSchema,
  TenantSuspendedSchema,
  TenantUpdatedSchema,
  type Workspace,
  WorkspaceCreatedSchema,
} from "@atendo/proto/tenant/v1";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { ChannelRecord } from "./channel-model.js";
import type { ChannelStatusName } from "./enums.js";
import { channelStatusToProto, channelTypeToProto } from "./enums.js";

/** An event of a change, stored in the outbox with it (handlers/announce.ts) and relayed after the commit. */
export interface PendingEvent<S extends DescMessage = DescMessage> {
  schema: S;
  event: MessageShape<S>;
}

const pending = <S extends DescMessage>(schema: S, event: MessageShape<S>): PendingEvent =>
  ({ schema, event }) as PendingEvent;

export function tenantCreated(tenant: Tenant, correlationId: string): PendingEvent {
  return pending(
    TenantCreatedSchema,
    create(TenantCreatedSchema, {
      meta: newEventMeta({ tenantId: tenant.id, workspaceId: "", correlationId }),
      tenant,
    }),
  );
}

export function workspaceCreated(workspace: Workspace, correlationId: string): PendingEvent {
  return pending(
    WorkspaceCreatedSchema,
    create(WorkspaceCreatedSchema, {
      meta: newEventMeta({ tenantId: workspace.tenantId, workspaceId: workspace.id, correlationId }),
      workspace,
    }),
  );
}

export function channelCreated(channel: Channel, correlationId: string): PendingEvent {
  return pending(
    ChannelCreatedSchema,
    create(ChannelCreatedSchema, {
      meta: newEventMeta({ tenantId: channel.tenantId, workspaceId: channel.workspaceId, correlationId }),
      channel,
    }),
  );
}

export function channelUpdated(
  channel: Channel,
  changedFields: string[],
  correlationId: string,
): PendingEvent {
  return pending(
    ChannelUpdatedSchema,
    create(ChannelUpdatedSchema, {
      meta: newEventMeta({ tenantId: channel.tenantId, workspaceId: channel.workspaceId, correlationId }),
      channel,
      changedFields,
    }),
  );
}

export function channelStatusChanged(
  channel: ChannelRecord,
  previous: ChannelStatusName,
  correlationId: string,
): PendingEvent {
  return pending(
    ChannelStatusChangedSchema,
    create(ChannelStatusChangedSchema, {
      meta: newEventMeta({ tenantId: channel.tenantId, workspaceId: channel.workspaceId, correlationId }),
      channelId: channel.id,
      channelType: channelTypeToProto(channel.type),
      previousStatus: channelStatusToProto(previous),
      status: channelStatusToProto(channel.status),
      reason: channel.statusReason,
    }),
  );
}

export function tenantUpdated(tenant: Tenant, changedFields: string[], correlationId: string): PendingEvent {
  return pending(
    TenantUpdatedSchema,
    create(TenantUpdatedSchema, {
      meta: newEventMeta({ tenantId: tenant.id, workspaceId: "", correlationId }),
      tenant,
      changedFields,
    }),
  );
}

export function tenantSuspended(tenantId: string, reason: string, correlationId: string): PendingEvent {
  return pending(
    TenantSuspendedSchema,
    create(TenantSuspendedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", correlationId }),
      tenantId,
      reason,
    }),
  );
}

export function tenantReactivated(tenantId: string, correlationId: string): PendingEvent {
  return pending(
    TenantReactivatedSchema,
    create(TenantReactivatedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", correlationId }),
      tenantId,
    }),
  );
}

export function memberChanged(member: Member, change: MemberChange, correlationId: string): PendingEvent {
  return pending(
    MemberChangedSchema,
    create(MemberChangedSchema, {
      meta: newEventMeta({ tenantId: member.tenantId, workspaceId: "", correlationId }),
      change,
      member,
    }),
  );
}

export function apiKeyRevoked(
  key: { id: string; tenantId: string; workspaceId: string; prefix: string },
  correlationId: string,
): PendingEvent {
  return pending(
    ApiKeyRevokedSchema,
    create(ApiKeyRevokedSchema, {
      meta: newEventMeta({ tenantId: key.tenantId, workspaceId: key.workspaceId, correlationId }),
      apiKeyId: key.id,
      prefix: key.prefix,
    }),
  );
}
