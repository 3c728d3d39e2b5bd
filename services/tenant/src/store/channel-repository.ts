import type { EntityManager } from "@atendo/db";
import type { ChannelStatusName, ChannelTypeName } from "../domain/enums.js";
import { ChannelEntity } from "./channel-entity.js";

export function findChannel(
  em: EntityManager,
  channelId: string,
  workspaceId?: string,
): Promise<ChannelEntity | null> {
  return em.findOne(
    ChannelEntity,
    workspaceId === undefined ? { id: channelId } : { id: channelId, workspaceId },
  );
}

/** Oldest first, after `after` (UUIDv7 ids are time-ordered); `limit` rows at most. */
export function listChannels(
  em: EntityManager,
  filter: {
    workspaceId: string;
    type: ChannelTypeName | undefined;
    status: ChannelStatusName | undefined;
    after: string | undefined;
  },
  limit: number,
): Promise<ChannelEntity[]> {
  return em.find(
    ChannelEntity,
    {
      workspaceId: filter.workspaceId,
      ...(filter.type === undefined ? {} : { type: filter.type }),
      ...(filter.status === undefined ? {} : { status: filter.status }),
      ...(filter.after === undefined ? {} : { id: { $gt: filter.after } }),
    },
    { orderBy: { id: "asc" }, limit },
  );
}
