import type { SplitDelivery } from "./split-delivery.js";

/** What is known about a delivery before its body is read. */
export interface DeliveryContext {
  webhookEventId: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  /** The channel's business number: changes for another number are skipped. */
  phoneNumberId: string;
  receivedAt: Date;
  /** Messages sent longer ago than this are marked stale (docs/meta-wire-format.md, rule 9). */
  maxInboundAgeMs: number;
  /** The largest encoded event: what is longer is cut to fit (and says so in `clipped`). */
  maxEventBytes: number;
}

/** Where the mappers of one delivery put what they make: its events, and why parts made none. */
export interface SplitTarget {
  ctx: DeliveryContext;
  out: SplitDelivery;
  note(text: string): void;
}
