import type { Bus, Consumer, EventContext } from "@atendo/bus";
import { type Db, type Inbox, pgText } from "@atendo/db";
import { type MediaStored, MediaStoredSchema } from "@atendo/proto/ingress/v1";
import { toBinary } from "@bufbuild/protobuf";
import type { TurnScheduler } from "../buffer/turn-scheduler.js";
import { systemActor } from "../domain/actors.js";
import { changeOfMedia } from "../domain/change-events.js";
import { handleChannelChange } from "./channel-change.js";
import { reject, requireUuid } from "./event-errors.js";

export const MEDIA_STORED_DURABLE = "conversation-media_stored";

export interface MediaStoredDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  scheduler: TurnScheduler;
  concurrency?: number;
  maxDeliver?: number;
}

/**
 * ingress.v1.MediaStored: the media file of a message was stored (or could not be). Recorded on the
 * message's MediaRef and published as MessageUpdated; a turn that waited for it is armed again.
 */
export function createMediaStoredHandler(deps: MediaStoredDeps) {
  return async (event: MediaStored, ctx: EventContext): Promise<void> => {
    const tenantId = requireUuid("meta.tenant_id", ctx.meta.tenantId);
    const channelId = requireUuid("channel_id", event.channelId);
    const target = pgText(event.externalMessageId);
    if (target === "") reject("external_message_id is required");
    const change = changeOfMedia(event);
    if (typeof change === "string") reject(change);
    await handleChannelChange(
      deps,
      MEDIA_STORED_DURABLE,
      {
        tenantId,
        channelId,
        targetExternalId: target,
        change,
        event: toBinary(MediaStoredSchema, event),
        occurredAt: new Date(),
      },
      ctx,
      () => systemActor(),
    );
  };
}

export function startMediaStoredConsumer(deps: MediaStoredDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: MEDIA_STORED_DURABLE,
    schema: MediaStoredSchema,
    concurrency: deps.concurrency ?? 8,
    maxDeliver: deps.maxDeliver ?? 10,
    handler: createMediaStoredHandler(deps),
  });
}
