import {
  InteractiveReplyKind,
  InteractiveReplySchema,
  MediaContentSchema,
  MediaKind,
  MediaRefSchema,
  MediaState,
  type Message,
  type Referral,
  ReferralSchema,
  type ReplyContext,
  ReplyContextSchema,
  TextContentSchema,
  UnsupportedContentSchema,
} from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { asObject, type JsonObject, obj, str } from "./json-read.js";

/** What one Instagram event carries, as the `content` oneof of atendo.common.v1.Message. */
export type InstagramContent = Message["content"];

const MEDIA_KINDS: Readonly<Record<string, MediaKind>> = {
  image: MediaKind.IMAGE,
  video: MediaKind.VIDEO,
  audio: MediaKind.AUDIO,
  file: MediaKind.DOCUMENT,
};

// MediaRef.url and ReplyContext.story_url are URIs of at most 2048 characters (the contract).
const MAX_URL = 2048;

/**
 * One attachment of `message.attachments[]`: image, video, audio and file become media waiting to
 * be fetched (Instagram's CDN URLs expire: the media fetcher keeps a copy); shares, story mentions,
 * reels and anything new are kept as `unsupported` with the attachment's JSON (docs/instagram.md).
 */
export function mapAttachment(attachment: unknown): InstagramContent {
  const a = asObject(attachment);
  const type = str(a, "type");
  const kind = MEDIA_KINDS[type];
  const url = str(obj(a, "payload"), "url");
  if (kind !== undefined && isHttpUrl(url)) {
    return {
      case: "media",
      value: create(MediaContentSchema, {
        kind,
        media: create(MediaRefSchema, { url, state: MediaState.PENDING }),
      }),
    };
  }
  return unsupportedContent(type === "" ? "attachment" : type, a ?? attachment);
}

/** `message.text`, or the quick reply the text is the title of; undefined for no text. */
export function mapTextOrQuickReply(message: JsonObject): InstagramContent | undefined {
  const text = str(message, "text");
  const quickReply = obj(message, "quick_reply");
  if (quickReply !== undefined) {
    return interactiveReply(InteractiveReplyKind.QUICK_REPLY, text, str(quickReply, "payload"));
  }
  if (text === "") return undefined;
  return { case: "text", value: create(TextContentSchema, { body: text }) };
}

/** `postback`: the button the customer tapped. */
export function mapPostback(postback: JsonObject | undefined): InstagramContent {
  return interactiveReply(InteractiveReplyKind.POSTBACK, str(postback, "title"), str(postback, "payload"));
}

/** `message.reply_to`: the quoted message (`{mid}`) or the story replied to (`{story: {id, url}}`). */
export function mapReplyTo(message: JsonObject): ReplyContext | undefined {
  const replyTo = obj(message, "reply_to");
  if (replyTo === undefined) return undefined;
  const story = obj(replyTo, "story");
  const storyUrl = str(story, "url");
  return create(ReplyContextSchema, {
    quotedExternalMessageId: str(replyTo, "mid"),
    storyId: str(story, "id"),
    // A URL the contract would refuse is left out; the stored body keeps it.
    storyUrl: isHttpUrl(storyUrl) ? storyUrl : "",
  });
}

/**
 * A referral (`message.referral` or the `referral` event): the ig.me link's `ref`, or the ad the
 * customer came from (`ad_id`, `ads_context_data`).
 */
export function mapReferral(referral: JsonObject | undefined): Referral | undefined {
  if (referral === undefined) return undefined;
  const ad = obj(referral, "ads_context_data");
  return create(ReferralSchema, {
    ref: str(referral, "ref"),
    sourceType: str(referral, "source"),
    sourceId: str(referral, "ad_id") || str(obj(referral, "product"), "id"),
    sourceUrl: str(ad, "photo_url") || str(ad, "video_url"),
    headline: str(ad, "ad_title"),
  });
}

/**
 * Content Atendo does not model, kept with its JSON (fields over the contract's limits are cut when
 * the event is fitted). JSON too deeply nested to serialise travels without it: the stored body
 * keeps every byte.
 */
export function unsupportedContent(originalType: string, json: unknown): InstagramContent {
  return {
    case: "unsupported",
    value: create(UnsupportedContentSchema, { originalType, rawJson: rawJsonOf(json) ?? "" }),
  };
}

/** The JSON of what could not be mapped, or undefined when it cannot be serialised. */
export function rawJsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function interactiveReply(kind: InteractiveReplyKind, title: string, payload: string): InstagramContent {
  return { case: "interactiveReply", value: create(InteractiveReplySchema, { kind, title, payload }) };
}

// The characters RFC 3986 allows in a URI (the contract's `uri` rule is stricter than WHATWG URLs).
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

function isHttpUrl(value: string): boolean {
  if (value === "" || value.length > MAX_URL || !URI_CHARS.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
