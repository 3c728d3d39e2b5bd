import type { EventMeta } from "@atendo/proto/common/v1";
import { type DescMessage, fromBinary, type Message, type MessageShape } from "@bufbuild/protobuf";
import { metaOf } from "./event-meta.js";

export type DecodedEvent<S extends DescMessage> =
  | { ok: true; event: MessageShape<S>; meta: EventMeta }
  | { ok: false; reason: string; meta: EventMeta | undefined };

/** Decodes a stored event; it is only usable with its envelope's event id (handlers dedupe on it). */
export function decodeEvent<S extends DescMessage>(schema: S, data: Uint8Array): DecodedEvent<S> {
  let event: MessageShape<S>;
  try {
    event = fromBinary(schema, data);
  } catch (err) {
    const reason = `cannot decode ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, reason, meta: undefined };
  }
  const meta = metaOf(event as Message);
  if (meta === undefined || meta.eventId === "") {
    return { ok: false, reason: `${schema.typeName} has no meta.event_id`, meta };
  }
  return { ok: true, event, meta };
}
