import type { Bus } from "@atendo/bus";
import type { EntityManager, Outbox } from "@atendo/db";
import type { PendingEvent } from "../domain/events.js";

/**
 * Stores the events of a change in `tenant.outbox` inside the change's transaction (the `em` of
 * its db.withTenant): both commit or neither does, and the outbox relay publishes them in this
 * order, retrying until the bus takes them. Nothing is published from a handler.
 */
export type Announce = (em: EntityManager, events: readonly PendingEvent[]) => Promise<void>;

export function createAnnounce(deps: { outbox: Outbox; bus: Pick<Bus, "encode"> }): Announce {
  return (em, events) =>
    deps.outbox.add(
      em,
      events.map(({ schema, event }) => deps.bus.encode(schema, event)),
    );
}
