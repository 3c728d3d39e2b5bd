import { newEventMeta } from "@atendo/bus";
import {
  type Channel,
  ChannelCreatedSchema,
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  type Tenant,
  TenantCreatedSchema,
  type Workspace,
  WorkspaceCreatedSchema,
} from "@atendo/proto/tenant/v1";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { ChannelRecord } from "./channel-model.js";
import type { ChannelStatusName } from "./enums.js";
import { channelStatusToProto, channelTypeToProto } from "./enums.js";

/** An event to publish once the transaction that produced it has committed. */
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
