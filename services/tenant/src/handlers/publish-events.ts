import type { Bus } from "@atendo/bus";
import { unavailable } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { PendingEvent } from "../domain/events.js";

/**
 * Publishes the events of a committed change. When JetStream does not take one, the caller gets
 * `unavailable`: the change itself is committed, and a retry meets already_exists (creates) or a
 * no-op, so the event of that change is not republished (see README).
 */
export type PublishEvents = (events: readonly PendingEvent[], what: string) => Promise<void>;

export function createPublishEvents(bus: Bus, logger: Logger): PublishEvents {
  return async (events, what) => {
    for (const { schema, event } of events) {
      try {
        await bus.publish(schema, event);
      } catch (err) {
        logger.error({ err, eventType: schema.typeName }, "event not published after commit");
        throw unavailable(`${what} was saved, but its event could not be published; retry later`);
      }
    }
  };
}
