import {
  type Referral,
  ReferralSchema,
  type ReplyContext,
  ReplyContextSchema,
} from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { bool, type JsonObject, obj, str } from "./json-read.js";

/** `context`: the quoted message and forwarding flags; undefined when the message has none. */
export function mapWhatsAppContext(message: JsonObject): ReplyContext | undefined {
  const context = obj(message, "context");
  if (context === undefined) return undefined;
  const frequentlyForwarded = bool(context, "frequently_forwarded");
  return create(ReplyContextSchema, {
    quotedExternalMessageId: str(context, "id"),
    // A frequently forwarded message is a forwarded one too.
    forwarded: bool(context, "forwarded") || frequentlyForwarded,
    frequentlyForwarded,
  });
}

/** `referral`: the click-to-WhatsApp ad or post the customer came from. */
export function mapWhatsAppReferral(message: JsonObject): Referral | undefined {
  const referral = obj(message, "referral");
  if (referral === undefined) return undefined;
  return create(ReferralSchema, {
    sourceUrl: str(referral, "source_url"),
    sourceId: str(referral, "source_id"),
    sourceType: str(referral, "source_type"),
    headline: str(referral, "headline"),
    body: str(referral, "body"),
    ctwaClid: str(referral, "ctwa_clid"),
  });
}
