import { ActorKind, ChannelType, type MessageStatus } from "@atendo/proto/common/v1";
import { type StatusReceived, StatusReceivedSchema } from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { fitEvent } from "./event-budget.js";
import { asObject, type JsonObject, str } from "./json-read.js";
import type { DeliveryContext, SplitTarget } from "./whatsapp-delivery-context.js";
import { eventMeta, msOf, secondsTimestamp } from "./whatsapp-event-meta.js";
import { withClips } from "./whatsapp-message.js";
import { eitherStringProblem, firstProblem, stringProblem } from "./whatsapp-message-check.js";
import { mapWhatsAppErrors, mapWhatsAppPricing, mapWhatsAppStatus } from "./whatsapp-status.js";

/**
 * One item of `statuses[]` as a StatusReceived (msgID `<id>:<status>`, docs/meta-wire-format.md rule 5), or a
 * note when it lacks an id or a recipient, or reports a status Atendo does not track.
 */
export function splitStatusItem(item: unknown, index: number, target: SplitTarget): void {
  const { ctx, out, note } = target;
  const status = asObject(item);
  if (status === undefined) {
    note(`status at statuses[${index}] not published: not an object`);
    return;
  }
  const id = typeof status.id === "string" ? status.id : "";
  const name = id === "" ? `status at statuses[${index}]` : `status of ${id}`;
  const problem = firstProblem(
    stringProblem(status, "id"),
    stringProblem(status, "status"),
    eitherStringProblem(status, ["recipient_id", "recipient_user_id"]),
  );
  if (problem !== undefined) {
    note(`${name} not published: ${problem}`);
    return;
  }
  const value = str(status, "status");
  const mapped = mapWhatsAppStatus(value);
  if (mapped === undefined) {
    note(`skipped status "${value}" of ${id}`);
    return;
  }
  const msgId = `${id}:${value}`;
  try {
    out.statuses.push({ msgId, event: statusReceived(status, id, mapped, msgId, ctx) });
  } catch (err) {
    note(
      `skipped status "${value}" of ${id}: it could not be mapped (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function statusReceived(
  status: JsonObject,
  id: string,
  mapped: MessageStatus,
  msgId: string,
  ctx: DeliveryContext,
): StatusReceived {
  const pricing = mapWhatsAppPricing(status);
  const occurredAt = secondsTimestamp(str(status, "timestamp"));
  const event = create(StatusReceivedSchema, {
    // The customer's phone reported it.
    meta: eventMeta(ctx, msgId, msOf(occurredAt, ctx), ActorKind.CONTACT),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.WHATSAPP,
    externalMessageId: id,
    status: mapped,
    occurredAt: occurredAt ?? timestampFromDate(ctx.receivedAt),
    recipientId: str(status, "recipient_id") || str(status, "recipient_user_id"),
    errors: mapWhatsAppErrors(status),
    pricingCategory: pricing.category,
    billable: pricing.billable,
  });
  return withClips(event, fitEvent(StatusReceivedSchema, event, ctx.maxEventBytes));
}
