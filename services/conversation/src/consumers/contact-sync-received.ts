import { type Bus, type Consumer, causedBy, type EventContext } from "@atendo/bus";
import { type Db, type Inbox, pgText } from "@atendo/db";
import { ContactUpdatedSchema } from "@atendo/proto/conversation/v1";
import {
  ContactSyncAction,
  type ContactSyncReceived,
  ContactSyncReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { businessAppActor } from "../domain/actors.js";
import { contactToProto } from "../domain/to-proto.js";
import { applySavedName, type SavedNameOutcome } from "../store/contact-sync-store.js";
import { hopelessAsPermanent, reject, requireUuid } from "./event-errors.js";

export const CONTACT_SYNC_RECEIVED_DURABLE = "conversation-contact_sync_received";

export interface ContactSyncReceivedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  concurrency?: number;
  maxDeliver?: number;
}

const SAVED_NAME_MAX = 512;

/**
 * ingress.v1.ContactSyncReceived: the WhatsApp Business app's address book changed. The contact's
 * saved name follows it (ContactUpdated, actor: the business app); nobody is messaged.
 */
export function createContactSyncReceivedHandler(deps: ContactSyncReceivedDeps) {
  const { db, bus, inbox } = deps;
  return async (event: ContactSyncReceived, ctx: EventContext): Promise<void> => {
    const tenantId = requireUuid("meta.tenant_id", ctx.meta.tenantId);
    const workspaceId = requireUuid("meta.workspace_id", ctx.meta.workspaceId);
    const channelId = requireUuid("channel_id", event.channelId);
    const waId = event.phoneNumber.replace(/^\+/, "");
    if (!/^\d{5,20}$/.test(waId)) reject("phone_number must be the number's digits");
    if (event.action !== ContactSyncAction.ADD && event.action !== ContactSyncAction.REMOVE) {
      reject("action must be ADD or REMOVE");
    }
    const remove = event.action === ContactSyncAction.REMOVE;
    const name = remove
      ? ""
      : pgText(event.fullName.trim() || event.firstName.trim()).slice(0, SAVED_NAME_MAX);
    const at = event.occurredAt ? timestampDate(event.occurredAt) : new Date();
    let outcome: SavedNameOutcome | undefined;
    const { duplicate, outputs } = await hopelessAsPermanent(() =>
      db.withTenant(tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId, consumer: CONTACT_SYNC_RECEIVED_DURABLE, eventId: ctx.meta.eventId },
          async () => {
            outcome = await applySavedName(em, {
              tenantId,
              workspaceId,
              channelId,
              waId,
              savedName: name,
              at,
              remove,
            });
            if (outcome.kind !== "changed") return [];
            return [
              bus.encode(
                ContactUpdatedSchema,
                create(ContactUpdatedSchema, {
                  meta: causedBy(ctx.meta, businessAppActor()),
                  contact: contactToProto(outcome.contact),
                  changedFields: ["saved_name"],
                }),
              ),
            ];
          },
        ),
      ),
    );
    for (const o of outputs) await bus.publishEncoded(o);
    ctx.logger.debug({ outcome: outcome?.kind ?? "redelivered", duplicate }, "event handled");
  };
}

export function startContactSyncReceivedConsumer(deps: ContactSyncReceivedDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: CONTACT_SYNC_RECEIVED_DURABLE,
    schema: ContactSyncReceivedSchema,
    concurrency: deps.concurrency ?? 4,
    maxDeliver: deps.maxDeliver ?? 10,
    handler: createContactSyncReceivedHandler(deps),
  });
}
