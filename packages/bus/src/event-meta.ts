import { type Actor, type EventMeta, EventMetaSchema } from "@atendo/proto/common/v1";
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { v7 as uuidv7 } from "uuid";

/** What every event message looks like: field 1 is `atendo.common.v1.EventMeta meta`. */
export type EventShape = Message & { meta?: EventMeta | undefined };

export type NewEventMetaInit = {
  tenantId: string;
  workspaceId: string;
  correlationId: string;
  causationId?: string;
  /** Who made it happen (the caller of the RPC, the contact who wrote, the assistant, the system). */
  actor?: Actor;
};

/** A fresh envelope: event_id is a UUIDv7 (time-ordered), occurred_at is now. */
export function newEventMeta(init: NewEventMetaInit): EventMeta {
  return create(EventMetaSchema, {
    eventId: uuidv7(),
    tenantId: init.tenantId,
    workspaceId: init.workspaceId,
    correlationId: init.correlationId,
    causationId: init.causationId ?? "",
    occurredAt: timestampNow(),
    ...(init.actor === undefined ? {} : { actor: init.actor }),
  });
}

/**
 * The envelope of an event caused by `parent`: same tenant, workspace and correlation, and the
 * parent's actor unless another one acted (e.g. the assistant answering a contact).
 */
export function causedBy(parent: EventMeta, actor?: Actor): EventMeta {
  const by = actor ?? parent.actor;
  return newEventMeta({
    tenantId: parent.tenantId,
    workspaceId: parent.workspaceId,
    correlationId: parent.correlationId,
    causationId: parent.eventId,
    ...(by === undefined ? {} : { actor: by }),
  });
}

/** Throws unless the schema's field 1 is `atendo.common.v1.EventMeta meta`. */
export function assertEventSchema(schema: DescMessage): void {
  const field = schema.fields.find((f) => f.number === 1);
  if (field?.name !== "meta" || field.message?.typeName !== EventMetaSchema.typeName) {
    throw new TypeError(
      `${schema.typeName} is not an event: field 1 must be "${EventMetaSchema.typeName} meta"`,
    );
  }
}

/** The envelope of an event, read defensively: a runtime-built schema is only checked, not typed. */
export function metaOf(event: Message): EventMeta | undefined {
  const meta: unknown = (event as { meta?: unknown }).meta;
  if (typeof meta !== "object" || meta === null) return undefined;
  return (meta as { $typeName?: unknown }).$typeName === EventMetaSchema.typeName
    ? (meta as EventMeta)
    : undefined;
}

/** The envelope's ids as log fields: every line about an event carries them. */
export function eventLogFields(meta: EventMeta): Record<string, string> {
  return { tenant_id: meta.tenantId, correlation_id: meta.correlationId, event_id: meta.eventId };
}
