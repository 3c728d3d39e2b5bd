import { type ChannelError, ChannelErrorSchema, MessageStatus } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { arr, asObject, bool, type JsonObject, num, obj, str } from "./json-read.js";

const STATUSES: Readonly<Record<string, MessageStatus>> = {
  sent: MessageStatus.SENT,
  delivered: MessageStatus.DELIVERED,
  read: MessageStatus.READ,
  played: MessageStatus.PLAYED,
  failed: MessageStatus.FAILED,
};

// docs/meta-wire-format.md: throughput, pair rate limit and the transient codes are worth retrying.
const RETRYABLE_CODES = new Set([130429, 131056, 131000, 1, 2, 131016]);

/** The MessageStatus of a WhatsApp `statuses[].status`; undefined for values Atendo does not track. */
export function mapWhatsAppStatus(status: string): MessageStatus | undefined {
  return STATUSES[status];
}

/** `statuses[].errors[]` normalised to ChannelError. */
export function mapWhatsAppErrors(status: JsonObject): ChannelError[] {
  return arr(status, "errors")
    .map(asObject)
    .filter((e): e is JsonObject => e !== undefined)
    .map((e) => {
      const raw = num(e, "code");
      const code = raw !== undefined && Number.isInteger(raw) && Math.abs(raw) <= 0x7fffffff ? raw : 0;
      return create(ChannelErrorSchema, {
        code,
        title: str(e, "title"),
        message: str(e, "message"),
        details: str(obj(e, "error_data"), "details"),
        retryable: RETRYABLE_CODES.has(code),
      });
    });
}

/** `pricing.category` and `pricing.billable`. */
export function mapWhatsAppPricing(status: JsonObject): { category: string; billable: boolean } {
  const pricing = obj(status, "pricing");
  return { category: str(pricing, "category"), billable: bool(pricing, "billable") };
}
