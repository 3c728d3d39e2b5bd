import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { ATTEMPT_OUTCOMES } from "../domain/send-outcome.js";

/** One call to a channel's send API (delivery.attempts); outcome null while in flight. */
export const AttemptEntity = defineEntity({
  name: "Attempt",
  tableName: "attempts",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    deliveryId: p.uuid(),
    messageId: p.uuid(),
    conversationId: p.uuid(),
    channelId: p.uuid(),
    attempt: p.integer(),
    startedAt: p.datetime(),
    durationMs: p.integer().nullable(),
    outcome: p.enum(ATTEMPT_OUTCOMES).nullable(),
    httpStatus: p.integer(),
    errorCode: p.integer().nullable(),
    errorTitle: p.text().nullable(),
    errorMessage: p.text().nullable(),
    errorDetails: p.text().nullable(),
    retryable: p.boolean().nullable(),
    externalMessageId: p.text().nullable(),
    /** The start of the channel's answer (never a request: those carry the token). */
    responseSnippet: p.text().nullable(),
  },
});
export type Attempt = InferEntity<typeof AttemptEntity>;
