import type {
  ContactSyncReceived,
  HistorySyncProgressed,
  MessageChangeReceived,
  MessageReceived,
  StatusReceived,
} from "@atendo/proto/ingress/v1";

/** One event of a delivery, with the JetStream msgID that deduplicates it. */
export interface Outgoing<T> {
  /** JetStream msgID: the channel's dedupe key (docs/meta-wire-format.md, rule 5). */
  msgId: string;
  event: T;
}

/**
 * The events one webhook delivery produces, whatever its channel. Every splitter (WhatsApp,
 * Instagram) returns this shape; the publisher, the sweeper and replays only know this shape.
 */
export interface SplitDelivery {
  messages: Outgoing<MessageReceived>[];
  statuses: Outgoing<StatusReceived>[];
  /** Edits and deletions of earlier messages (Instagram `message_edit`/`is_deleted`, WhatsApp edit/revoke). */
  changes: Outgoing<MessageChangeReceived>[];
  /** WhatsApp coexistence: address-book changes of the business app. */
  contactSyncs: Outgoing<ContactSyncReceived>[];
  /** WhatsApp coexistence: progress of the history import, one per stored chunk. */
  historyProgress: Outgoing<HistorySyncProgressed>[];
  /** Why parts of the delivery produced no event (kept as the row's reason). */
  notes: string[];
  /**
   * Set when nothing of the delivery is ours to process (another number or account, the dashboard's
   * sample with placeholder ids): the row is stored as IGNORED with this reason, nothing published.
   */
  ignored?: string;
}

/** An empty split, to fill. */
export function emptySplit(): SplitDelivery {
  return { messages: [], statuses: [], changes: [], contactSyncs: [], historyProgress: [], notes: [] };
}

/** How many events a split carries, all kinds together. */
export function eventCount(split: SplitDelivery): number {
  return (
    split.messages.length +
    split.statuses.length +
    split.changes.length +
    split.contactSyncs.length +
    split.historyProgress.length
  );
}
