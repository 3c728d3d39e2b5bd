import type { Bus } from "@atendo/bus";
import { type AssistantConfigured, AssistantConfiguredSchema } from "@atendo/proto/assistant/v1";
import { unavailable } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";

/**
 * Publishes AssistantConfigured events after the change committed. A failed publish answers
 * `unavailable`: the change is saved, and the client's retry announces it again (updates and binds
 * are idempotent; a retried create meets the unique name and answers already_exists).
 */
export type Announce = (events: readonly AssistantConfigured[]) => Promise<void>;

export function createAnnounce(deps: { bus: Pick<Bus, "publish">; logger: Logger }): Announce {
  return async (events) => {
    for (const event of events) {
      try {
        await deps.bus.publish(AssistantConfiguredSchema, event);
      } catch (err) {
        deps.logger.error(
          { err, assistant_id: event.assistant?.id, event_id: event.meta?.eventId },
          "assistant saved but AssistantConfigured could not be published",
        );
        throw unavailable("the change was saved but could not be announced; retry the request");
      }
    }
  };
}
