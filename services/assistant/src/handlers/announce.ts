import type { Bus } from "@atendo/bus";
import type { EntityManager, Outbox } from "@atendo/db";
import { type AssistantConfigured, AssistantConfiguredSchema } from "@atendo/proto/assistant/v1";
import { type AuditRecorded, AuditRecordedSchema } from "@atendo/proto/audit/v1";

/** What an RPC announces about its change. */
export interface Announcements {
  configured: readonly AssistantConfigured[];
  audit: readonly AuditRecorded[];
}

/**
 * Stores AssistantConfigured and AuditRecorded in the outbox inside the change's transaction (`em`
 * of its db.withTenant): the change and its events commit together, and the outbox relay publishes
 * them, retrying until the bus takes them. Nothing is published from here.
 */
export type Announce = (em: EntityManager, events: Announcements) => Promise<void>;

export function createAnnounce(deps: { outbox: Outbox; bus: Pick<Bus, "encode"> }): Announce {
  return (em, { configured, audit }) =>
    deps.outbox.add(em, [
      ...configured.map((e) => deps.bus.encode(AssistantConfiguredSchema, e)),
      ...audit.map((e) => deps.bus.encode(AuditRecordedSchema, e)),
    ]);
}
