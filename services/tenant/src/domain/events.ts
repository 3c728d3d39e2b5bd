import { newEventMeta } from "@atendo/bus";
import type { Actor } from "@atendo/proto/common/v1";
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

/** Where an event comes from: the request (or event chain) and who acted (EventMeta.actor). */
export interface EventOrigin {
  correlationId: string;
  actor: Actor;
}

const pending = <S extends DescMessage>(schema: S, event: MessageShape<S>): PendingEvent =>
  ({ schema, event }) as PendingEvent;

export function tenantCreated(tenant: Tenant, origin: EventOrigin): PendingEvent {
  return pending(
    TenantCreatedSchema,
    create(TenantCreatedSchema, {
      meta: newEventMeta({ tenantId: tenant.id, workspaceId: "", ...origin }),
      tenant,
    }),
  );
}

export function workspaceCreated(workspace: Workspace, origin: EventOrigin): PendingEvent {
  return pending(
    WorkspaceCreatedSchema,
    create(WorkspaceCreatedSchema, {
      meta: newEventMeta({ tenantId: workspace.tenantId, workspaceId: workspace.id, ...origin }),
      workspace,
    }),
  );
}

export function channelCreated(channel: Channel, origin: EventOrigin): PendingEvent {
  return pending(
    ChannelCreatedSchema,
    create(ChannelCreatedSchema, {
      meta: newEventMeta({ tenantId: channel.tenantId, workspaceId: channel.workspaceId, ...origin }),
      channel,
    }),
  );
}

export function channelUpdated(channel: Channel, changedFields: string[], origin: EventOrigin): PendingEvent {
  return pending(
    ChannelUpdatedSchema,
    create(ChannelUpdatedSchema, {
      meta: newEventMeta({ tenantId: channel.tenantId, workspaceId: channel.workspaceId, ...origin }),
      channel,
      changedFields,
    }),
  );
}

export function channelStatusChanged(
  channel: ChannelRecord,
  previous: ChannelStatusName,
  origin: EventOrigin,
): PendingEvent {
  return pending(
    ChannelStatusChangedSchema,
    create(ChannelStatusChangedSchema, {
      meta: newEventMeta({ tenantId: channel.tenantId, workspaceId: channel.workspaceId, ...origin }),
      channelId: channel.id,
      channelType: channelTypeToProto(channel.type),
      previousStatus: channelStatusToProto(previous),
      status: channelStatusToProto(channel.status),
      reason: channel.statusReason,
    }),
  );
}

export function tenantUpdated(tenant: Tenant, changedFields: string[], origin: EventOrigin): PendingEvent {
  return pending(
    TenantUpdatedSchema,
    create(TenantUpdatedSchema, {
      meta: newEventMeta({ tenantId: tenant.id, workspaceId: "", ...origin }),
      tenant,
      changedFields,
    }),
  );
}

export function tenantSuspended(tenantId: string, reason: string, origin: EventOrigin): PendingEvent {
  return pending(
    TenantSuspendedSchema,
    create(TenantSuspendedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", ...origin }),
      tenantId,
      reason,
    }),
  );
}

export function tenantReactivated(tenantId: string, origin: EventOrigin): PendingEvent {
  return pending(
    TenantReactivatedSchema,
    create(TenantReactivatedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", ...origin }),
      tenantId,
    }),
  );
}

export function memberChanged(member: Member, change: MemberChange, origin: EventOrigin): PendingEvent {
  return pending(
    MemberChangedSchema,
    create(MemberChangedSchema, {
      meta: newEventMeta({ tenantId: member.tenantId, workspaceId: "", ...origin }),
      change,
      member,
    }),
  );
}

export function apiKeyRevoked(
  key: { id: string; tenantId: string; workspaceId: string; prefix: string },
  origin: EventOrigin,
): PendingEvent {
  return pending(
    ApiKeyRevokedSchema,
    create(ApiKeyRevokedSchema, {
      meta: newEventMeta({ tenantId: key.tenantId, workspaceId: key.workspaceId, ...origin }),
      apiKeyId: key.id,
      prefix: key.prefix,
    }),
  );
}
