import { newId } from "@atendo/db";
import { ChannelService } from "@atendo/proto/tenant/v1";
import { notFound } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { channelSummary } from "../domain/audit-summary.js";
import { newChannelSettings } from "../domain/channel-input.js";
import { openChannelSecrets, sealChannelSecrets } from "../domain/channel-secrets.js";
import { nextChannelStatus } from "../domain/channel-status.js";
import { applyChannelUpdate } from "../domain/channel-update.js";
import { channelView } from "../domain/channel-view.js";
import { channelStatusFromProto, channelTypeFromProto } from "../domain/enums.js";
import { channelCreated, channelStatusChanged, channelUpdated } from "../domain/events.js";
import { openFromReplay, sealForReplay } from "../domain/replay-secret.js";
import { nonBlank } from "../domain/text.js";
import { recordAudit } from "../store/audit-log.js";
import { findChannel, listChannels } from "../store/channel-repository.js";
import { ChannelRow } from "../store/channel-row.js";
import { auditContextOf, originOf, requireVerifiedEmail, tenantOfWorkspaceCall } from "./caller.js";
import type { ChangeChannelStatus } from "./channel-status-change.js";
import type { HandlerDeps } from "./deps.js";
import { oncePer } from "./once-per-request.js";
import { listPage, uuidAfter } from "./page-cursor.js";
import { roomFor } from "./room-for.js";
import { rpc, type UniqueMessages } from "./rpc-errors.js";

/** ChannelService: connects channels and keeps their secrets sealed; none of its answers carries them. */
export function createChannelService(
  deps: HandlerDeps,
  changeStatus: ChangeChannelStatus,
): ServiceImpl<typeof ChannelService> {
  const { db, lookups, secretBox, announce } = deps;

  const namedUniques = (name: string): UniqueMessages => ({
    channels_workspace_name_key: `a channel named "${name.trim()}" in this workspace`,
    channels_whatsapp_number_key: "a WhatsApp channel (not disabled) with this phone_number_id",
    channels_instagram_account_key: "an Instagram channel (not disabled) with this account_id",
  });

  return {
    createChannel: (req, ctx) =>
      rpc(async () => {
        const name = nonBlank("name", req.name);
        const settings = newChannelSettings(req.config, deps.graphDefaults);
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const id = newId();
        const sealed = sealChannelSecrets(secretBox, { tenantId, id }, settings.secrets);
        const origin = originOf(ctx, tenantId);
        const answer = await db.withTenant(tenantId, (em) =>
          oncePer(
            deps.requestIds,
            em,
            ChannelService.method.createChannel,
            { tenantId, request: req },
            async () => {
              await requireVerifiedEmail(em, ctx, "connect channels");
              if (!(await roomFor(em, tenantId, "channels"))) throw notFound("workspace", req.workspaceId);
              const now = new Date();
              const created = em.create(ChannelRow, {
                id,
                tenantId,
                workspaceId: req.workspaceId,
                type: settings.type,
                name,
                status: "ACTIVE",
                statusReason: "",
                statusChangedAt: now,
                config: settings.config,
                secrets: sealed.ciphertext,
                keyId: sealed.keyId,
                createdAt: now,
                updatedAt: now,
              });
              recordAudit(em, await auditContextOf(em, ctx, tenantId), {
                action: "channel.create",
                targetType: "channel",
                targetId: id,
                workspaceId: req.workspaceId,
                after: channelSummary(created),
              });
              await announce(em, [channelCreated(channelView(created), origin)]);
              // Kept for retries sealed, like every secret at rest.
              const webIdentitySecret = sealForReplay(
                secretBox,
                settings.identitySecret,
                tenantId,
                req.requestId,
              );
              return { channel: channelView(created), webIdentitySecret };
            },
          ),
        );
        const channelId = answer.channel?.id ?? "";
        lookups.rememberChannel(channelId, tenantId);
        withContext(deps.logger, { tenantId, correlationId: origin.correlationId }).info(
          { channelId, type: settings.type, replayed: channelId !== id },
          "channel created",
        );
        answer.webIdentitySecret = openFromReplay(
          secretBox,
          answer.webIdentitySecret,
          tenantId,
          req.requestId,
        );
        return answer;
      }, namedUniques(req.name)),

    getChannel: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const row = await db.withTenant(tenantId, (em) => findChannel(em, req.channelId, req.workspaceId));
        if (row === null) throw notFound("channel", req.channelId);
        return { channel: channelView(row) };
      }),

    listChannels: (req, ctx) =>
      rpc(async () => {
        const type = channelTypeFromProto(req.type);
        const status = channelStatusFromProto(req.status);
        const page = listPage(req, {
          list: "channels",
          workspace: req.workspaceId,
          type: type ?? "",
          status: status ?? "",
        });
        const after = uuidAfter(req.pageToken, page.filters);
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const rows = await db.withTenant(tenantId, (em) =>
          listChannels(em, { workspaceId: req.workspaceId, type, status, after }, page.size + 1),
        );
        const { items, nextPageToken } = page.of(rows, (c) => [c.id]);
        return { channels: items.map(channelView), nextPageToken };
      }),

    updateChannel: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const origin = originOf(ctx, tenantId);
        const { correlationId } = origin;
        const outcome = await db.withTenant(tenantId, async (em) => {
          await requireVerifiedEmail(em, ctx, "change channels");
          const row = await findChannel(em, req.channelId, req.workspaceId);
          if (row === null) throw notFound("channel", req.channelId);
          const previous = row.status;
          const update = applyChannelUpdate(
            {
              type: row.type,
              name: row.name,
              config: row.config,
              secrets: openChannelSecrets(secretBox, row),
            },
            { ...req, name: req.name.trim() },
            deps.graphDefaults,
          );
          if (update.changedFields.length === 0) return { row, changedFields: [] };
          if (update.changedFields.includes("name")) nonBlank("name", update.name);
          const before = channelSummary(row);
          const now = new Date();
          row.name = update.name;
          row.config = update.config;
          // Every write re-seals with the active key, so rows drift onto a rotated key.
          const sealed = sealChannelSecrets(secretBox, row, update.secrets);
          row.secrets = sealed.ciphertext;
          row.keyId = sealed.keyId;
          if (update.credentialsChanged) {
            const next = nextChannelStatus(
              { status: row.status, reason: row.statusReason },
              { kind: "reconnected" },
            );
            if (next.status !== row.status) row.statusChangedAt = now;
            row.status = next.status;
            row.statusReason = next.reason;
          }
          row.updatedAt = now;
          recordAudit(em, await auditContextOf(em, ctx, tenantId), {
            action: "channel.update",
            targetType: "channel",
            targetId: row.id,
            workspaceId: row.workspaceId,
            before,
            // Which secrets changed shows in the hints; the values never reach the log.
            after: { ...channelSummary(row), changed_fields: update.changedFields },
          });
          const events = [channelUpdated(channelView(row), update.changedFields, origin)];
          if (row.status !== previous) events.push(channelStatusChanged(row, previous, origin));
          await announce(em, events);
          return { row, changedFields: update.changedFields };
        });
        const { row, changedFields } = outcome;
        const channel = channelView(row);
        if (changedFields.length > 0) {
          withContext(deps.logger, { tenantId, correlationId }).info(
            { channelId: row.id, changedFields },
            "channel updated",
          );
        }
        return { channel };
      }, namedUniques(req.name)),

    disableChannel: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const channel = await changeStatus(
          { tenantId, channelId: req.channelId, workspaceId: req.workspaceId },
          { kind: "disable", reason: req.reason.trim() },
          ctx,
        );
        return { channel };
      }),

    enableChannel: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const channel = await changeStatus(
          { tenantId, channelId: req.channelId, workspaceId: req.workspaceId },
          { kind: "enable" },
          ctx,
        );
        return { channel };
      }),
  };
}
