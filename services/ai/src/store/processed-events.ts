import type { EntityManager } from "@atendo/db";

/**
 * A cheap look at the inbox before doing expensive work (a model call): a redelivered event whose
 * outputs are already stored is answered from the inbox without generating again.
 */
export interface ProcessedEvents {
  has(em: EntityManager, consumer: string, eventId: string): Promise<boolean>;
}

export function createProcessedEvents(): ProcessedEvents {
  return {
    async has(em, consumer, eventId) {
      const rows = await em.execute<Array<{ found: number }>>(
        "select 1 as found from ai.processed_events where consumer = ? and event_id = ?",
        [consumer, eventId],
        "all",
      );
      return rows.length > 0;
    },
  };
}
