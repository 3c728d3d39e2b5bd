import { type EntityManager, pgText } from "@atendo/db";
import { type ChannelError, ChannelErrorSchema } from "@atendo/proto/common/v1";
import { toBinary } from "@bufbuild/protobuf";
import { LockMode } from "@mikro-orm/core";
import type { MessageStatusName } from "../domain/enums.js";
import { advanceStatus } from "../domain/message-status.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

export interface StatusReport {
  messageId: string;
  status: MessageStatusName;
  /** The channel's id of the message; empty when the report has none. */
  externalId: string;
  error: ChannelError | undefined;
}

export type StatusOutcome =
  | { kind: "unknown_message" }
  | { kind: "not_outbound" }
  | { kind: "applied"; message: MessageRecord; changed: boolean; externalIdTaken: boolean };

/** Moves an outbound message's status forward (never back), and records its channel id and error. */
export async function applyStatus(em: EntityManager, r: StatusReport): Promise<StatusOutcome> {
  const message = await em.findOne(
    MessageEntity,
    { id: r.messageId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (message === null) return { kind: "unknown_message" };
  if (message.direction !== "OUTBOUND") return { kind: "not_outbound" };

  const now = new Date();
  let changed = false;
  let externalIdTaken = false;
  // The channel's id, cleaned like every channel string stored (Postgres refuses NUL).
  const externalId = pgText(r.externalId);
  if (externalId !== "" && message.externalId === null) {
    // An echo stored as its own message may already hold this id; the unique index must not fail.
    const holders = await em.count(MessageEntity, {
      channelId: message.channelId,
      externalId,
      id: { $ne: message.id },
    });
    if (holders === 0) {
      message.externalId = externalId;
      changed = true;
    } else externalIdTaken = true;
  }
  const next = advanceStatus(message.status, r.status);
  if (next !== message.status) {
    message.status = next;
    message.statusUpdatedAt = now;
    changed = true;
    if (next === "FAILED" && r.error !== undefined) message.error = toBinary(ChannelErrorSchema, r.error);
  }
  if (r.status !== "FAILED" && r.status !== "PENDING" && message.sentAt === null) {
    message.sentAt = now;
    changed = true;
  }
  return { kind: "applied", message, changed, externalIdTaken };
}
