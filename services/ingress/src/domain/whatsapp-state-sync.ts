import { ActorKind } from "@atendo/proto/common/v1";
import { ContactSyncAction, ContactSyncReceivedSchema } from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { fitEvent } from "./event-budget.js";
import { arr, asObject, type JsonObject, obj, str } from "./json-read.js";
import type { SplitTarget } from "./whatsapp-delivery-context.js";
import { eventMeta, msOf, secondsTimestamp } from "./whatsapp-event-meta.js";
import { stringProblem } from "./whatsapp-message-check.js";

const ACTIONS: Readonly<Record<string, ContactSyncAction>> = {
  add: ContactSyncAction.ADD, // added or edited
  remove: ContactSyncAction.REMOVE,
};

/**
 * A coexistence `smb_app_state_sync` change: each `state_sync[]` entry of type `contact` becomes a
 * ContactSyncReceived (msgID `<phone_number>:<action>:<timestamp>`); anything else is a note.
 */
export function splitStateSyncChange(value: JsonObject | undefined, target: SplitTarget): void {
  const { ctx, out, note } = target;
  arr(value, "state_sync").forEach((s, index) => {
    const entry = asObject(s);
    const where = `state_sync[${index}]`;
    const type = str(entry, "type");
    if (entry === undefined || type !== "contact") {
      note(`${where} not published: type "${type}" is not a contact`);
      return;
    }
    const contact = obj(entry, "contact") ?? {};
    const problem = stringProblem(contact, "phone_number");
    const actionName = str(entry, "action");
    const action = ACTIONS[actionName];
    if (problem !== undefined || action === undefined) {
      note(`${where} not published: ${problem ?? `action "${actionName}" is neither add nor remove`}`);
      return;
    }
    const phoneNumber = str(contact, "phone_number");
    const timestamp = str(obj(entry, "metadata"), "timestamp");
    const occurredAt = secondsTimestamp(timestamp);
    const msgId = `${phoneNumber}:${actionName}:${timestamp}`;
    const event = create(ContactSyncReceivedSchema, {
      meta: eventMeta(ctx, msgId, msOf(occurredAt, ctx), ActorKind.BUSINESS_APP),
      webhookEventId: ctx.webhookEventId,
      channelId: ctx.channelId,
      action,
      phoneNumber,
      // `remove` carries the number only.
      fullName: action === ContactSyncAction.ADD ? str(contact, "full_name") : "",
      firstName: action === ContactSyncAction.ADD ? str(contact, "first_name") : "",
      occurredAt: occurredAt ?? timestampFromDate(ctx.receivedAt),
    });
    try {
      fitEvent(ContactSyncReceivedSchema, event, ctx.maxEventBytes);
      out.contactSyncs.push({ msgId, event });
    } catch (err) {
      note(`${where} not published: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
