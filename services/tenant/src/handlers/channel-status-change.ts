import { constraintName, isUniqueViolation } from "@atendo/db";
import type { Channel } from "@atendo/proto/tenant/v1";
import { notFound } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { HandlerContext } from "@connectrpc/connect";
import { channelSummary } from "../domain/audit-summary.js";
import { nextChannelStatus, type StatusRequest } from "../domain/channel-status.js";
import { channelView } from "../domain/channel-view.js";
import type { ChannelStatusName } from "../domain/enums.js";
import { channelStatusChanged } from "../domain/events.js";
import { PreconditionError } from "../domain/precondition-error.js";
import { recordAudit } from "../store/audit-log.js";
import { findChannel } from "../store/channel-repository.js";
import type { ChannelRow } from "../store/channel-row.js";
import { auditContextOf, originOf, requireVerifiedEmail } from "./caller.js";
import type { HandlerDeps } from "./deps.js";

const IN_USE: Readonly<Record<string, string>> = {
  channels_whatsapp_number_key:
    "another WhatsApp channel of this tenant that is not disabled uses this phone_number_id",
  channels_instagram_account_key:
    "another Instagram channel of this tenant that is not disabled uses this account_id",
};

const STATUS_ACTIONS: Readonly<Record<StatusRequest["kind"], string>> = {
  disable: "channel.disable",
  enable: "channel.enable",
  set: "channel.status_change",
  reconnected: "channel.status_change",
};

/** Where a status change applies: the channel, in its tenant (and the workspace the caller named). */
export interface ChannelAt {
  tenantId: string;
  channelId: string;
  workspaceId?: string;
}

/**
 * Moves a channel's status (Disable/EnableChannel, and SetChannelStatus of the channel directory):
 * audited, and announced as ChannelStatusChanged when it really moved.
 */
export type ChangeChannelStatus = (
  where: ChannelAt,
  request: StatusRequest,
  ctx: HandlerContext,
) => Promise<Channel>;

export function createChannelStatusChange(
  deps: Pick<HandlerDeps, "db" | "announce" | "logger">,
): ChangeChannelStatus {
  const { db, announce } = deps;
  return async (where, request, ctx) => {
    const origin = originOf(ctx, where.tenantId);
    let moved: { row: ChannelRow; previous: ChannelStatusName };
    try {
      moved = await db.withTenant(where.tenantId, async (em) => {
        if (request.kind === "enable") await requireVerifiedEmail(em, ctx, "enable channels");
        const row = await findChannel(em, where.channelId, where.workspaceId);
        if (row === null) throw notFound("channel", where.channelId);
        const previous = row.status;
        const next = nextChannelStatus({ status: row.status, reason: row.statusReason }, request);
        if (next.status === row.status && next.reason === row.statusReason) return { row, previous };
        const before = channelSummary(row);
        const now = new Date();
        if (next.status !== row.status) row.statusChangedAt = now;
        row.status = next.status;
        row.statusReason = next.reason;
        row.updatedAt = now;
        recordAudit(em, await auditContextOf(em, ctx, where.tenantId), {
          action: STATUS_ACTIONS[request.kind],
          targetType: "channel",
          targetId: row.id,
          workspaceId: row.workspaceId,
          before,
          after: channelSummary(row),
        });
        if (row.status !== previous) await announce(em, [channelStatusChanged(row, previous, origin)]);
        return { row, previous };
      });
    } catch (err) {
      // Switching on a channel whose number another live channel took meanwhile.
      const inUse = isUniqueViolation(err) ? IN_USE[constraintName(err) ?? ""] : undefined;
      if (inUse !== undefined) throw new PreconditionError(`${inUse}; disable that one first`);
      throw err;
    }
    const { row, previous } = moved;
    if (row.status !== previous) {
      withContext(deps.logger, { tenantId: row.tenantId, correlationId: origin.correlationId }).info(
        { channelId: row.id, from: previous, to: row.status },
        "channel status changed",
      );
    }
    return channelView(row);
  };
}
