import type { Bus } from "@atendo/bus";
import {
  type AssistantConfigured,
  AssistantConfiguredSchema,
  type AuditRecorded,
  AuditRecordedSchema,
} from "@atendo/proto/assistant/v1";
import { unavailable } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";

/** What an RPC announces once its change committed. */
export interface Announcements {
  configured: readonly AssistantConfigured[];
  audit: readonly AuditRecorded[];
}

/**
 * Publishes AssistantConfigured and AuditRecorded events after the change committed. A failed
 * publish answers `unavailable`: the change is saved, and the client's retry announces it again
 * (updates and binds are idempotent; a retried create meets the unique name and answers
 * already_exists).
 */
export type Announce = (events: Announcements) => Promise<void>;

export function createAnnounce(deps: { bus: Pick<Bus, "publish">; logger: Logger }): Announce {
  const failed = (err: unknown, what: string, eventId: string | undefined) => {
    deps.logger.error({ err, event_id: eventId }, `change saved but ${what} could not be published`);
    return unavailable("the change was saved but could not be announced; retry the request");
  };
  return async ({ configured, audit }) => {
    for (const event of configured) {
      try {
        await deps.bus.publish(AssistantConfiguredSchema, event);
      } catch (err) {
        throw failed(err, "AssistantConfigured", event.meta?.eventId);
      }
    }
    for (const event of audit) {
      try {
        await deps.bus.publish(AuditRecordedSchema, event);
      } catch (err) {
        throw failed(err, "AuditRecorded", event.meta?.eventId);
      }
    }
  };
}
