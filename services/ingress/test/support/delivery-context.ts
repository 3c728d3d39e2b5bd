import type { DeliveryContext } from "../../src/domain/whatsapp-delivery.js";
import { PHONE_NUMBER_ID } from "./whatsapp-payloads.js";

/** What the domain tests split deliveries with: fixed ids, the fixtures' number and time. */
export const TEST_DELIVERY_CONTEXT: Readonly<DeliveryContext> = {
  webhookEventId: "019ab1c2-0000-7000-8000-000000000001",
  tenantId: "019ab1c2-0000-7000-8000-0000000000aa",
  workspaceId: "019ab1c2-0000-7000-8000-0000000000bb",
  channelId: "019ab1c2-0000-7000-8000-0000000000cc",
  phoneNumberId: PHONE_NUMBER_ID,
  // 2026-01-01T01:00:00Z, shortly after the fixtures' timestamps (1767225600 = 2026-01-01T00:00:00Z).
  receivedAt: new Date(1767225600_000 + 3600_000),
  maxInboundAgeMs: 24 * 3600_000,
  maxEventBytes: 512 * 1024,
};
