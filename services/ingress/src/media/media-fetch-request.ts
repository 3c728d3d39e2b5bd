import { causedBy, newEventMeta } from "@atendo/bus";
import { ActorKind, ActorSchema, ChannelType, type MediaContent, MediaState } from "@atendo/proto/common/v1";
import {
  type MediaFetchRequested,
  MediaFetchRequestedSchema,
  type MessageReceived,
} from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";

/**
 * The media a received message still needs fetched: PENDING (the mappings mark inbound media so),
 * or UNSPECIFIED with a channel locator (events of older rows, before media was kept).
 */
export function mediaToFetch(event: MessageReceived): MediaContent | undefined {
  // Only Meta's channels lend their files; the widget's uploads are the widget's own.
  if (event.channelType !== ChannelType.WHATSAPP && event.channelType !== ChannelType.INSTAGRAM) {
    return undefined;
  }
  const content = event.message?.content;
  if (content?.case !== "media") return undefined;
  const ref = content.value.media;
  if (ref === undefined || (ref.channelMediaId === "" && ref.url === "")) return undefined;
  if (ref.state !== MediaState.PENDING && ref.state !== MediaState.UNSPECIFIED) return undefined;
  return content.value;
}

/** The contract's msgID: one request per message, so a republished delivery is a duplicate. */
export const mediaFetchMsgId = (r: Pick<MediaFetchRequested, "channelId" | "externalMessageId">) =>
  `media-fetch:${r.channelId}:${r.externalMessageId}`;

/**
 * The fetch request that goes out with a received message whose media is still on Meta's side;
 * undefined for every other message (the fetcher never hears of them).
 */
export function mediaFetchRequestOf(event: MessageReceived): MediaFetchRequested | undefined {
  const media = mediaToFetch(event);
  if (media === undefined) return undefined;
  const system = create(ActorSchema, { kind: ActorKind.SYSTEM });
  return create(MediaFetchRequestedSchema, {
    // Caused by the message: same tenant, workspace and correlation (the webhook delivery).
    meta:
      event.meta === undefined
        ? newEventMeta({ tenantId: "", workspaceId: "", correlationId: event.webhookEventId, actor: system })
        : causedBy(event.meta, system),
    channelId: event.channelId,
    channelType: event.channelType,
    externalMessageId: event.externalMessageId,
    media,
  });
}
