import { constraintName, isUniqueViolation, newId } from "@atendo/db";
import type { Channel, ChannelService } from "@atendo/proto/tenant/v1";
import { invalidArgument, notFound } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { channelSummary } from "../domain/audit-summary.js";
import { channelCredentials, ignoresStoredBaseUrl } from "../domain/channel-credentials.js";
import { newChannelSettings } from "../domain/channel-input.js";
import { openChannelSecrets, sealChannelSecrets } from "../domain/channel-secrets.js";
import { nextChannelStatus, type StatusRequest } from "../domain/channel-status.js";
import { applyChannelUpdate } from "../domain/channel-update.js";
import { channelView } from "../domain/channel-view.js";
import {
  type ChannelStatusName,
  channelStatusFromProto,
  channelStatusToProto,
  channelTypeFromProto,
  channelTypeToProto,
} from "../domain/enums.js";
import { channelCreated, channelStatusChanged, channelUpdated } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { decodePageToken, filterKey, pageOf, pageSize } from "../domain/page-token.js";
import { effectiveLimits, limitProblem } from "../domain/plan-limits.js";
import { PreconditionError } from "../domain/precondition-error.js";
import { nonBlank } from "../domain/text.js";
import { recordAudit } from "../store/audit-log.js";
import { findChannel, listChannels } from "../store/channel-repository.js";
import { ChannelRow } from "../store/channel-row.js";
import { countChannels, findTenant, lockTenant } from "../store/tenant-repository.js";
import { auditContextOf, requireVerifiedEmail, tenantOfCall, tenantOfWorkspaceCall } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc, type UniqueMessages } from "./rpc-errors.js";

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

/** ChannelService: connects channels, keeps their secrets sealed, resolves them for ingress and delivery. */
export function createChannelService(deps: HandlerDeps): Partial<ServiceImpl<typeof ChannelService>> {
  const { db, lookups, secretBox, announce } = deps;

  const namedUniques = (name: string): UniqueMessages => ({
    channels_workspace_name_key: `a channel named "${name.trim()}" in this workspace`,
    channels_whatsapp_number_key: "a WhatsApp channel (not disabled) with this phone_number_id",
    channels_instagram_account_key: "an Instagram channel (not disabled) with this account_id",
  });

  /** Moves a channel's status; announces ChannelStatusChanged when it really moved. */
  async function changeStatus(
    where: { tenantId: string; channelId: string; workspaceId?: string },
    request: StatusRequest,
    ctx: HandlerContext,
  ): Promise<Channel> {
    const correlationId = correlationOf(ctx);
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
        if (row.status !== previous) await announce(em, [channelStatusChanged(row, previous, correlationId)]);
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
      withContext(deps.logger, { tenantId: row.tenantId, correlationId }).info(
        { channelId: row.id, from: previous, to: row.status },
        "channel status changed",
      );
    }
    return channelView(row);
  }

  return {
    createChannel: (req, ctx) =>
      rpc(async () => {
        const name = nonBlank("name", req.name);
        const settings = newChannelSettings(req.config, deps.graphDefaults);
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const id = newId();
        const sealed = sealChannelSecrets(secretBox, { tenantId, id }, settings.secrets);
        const correlationId = correlationOf(ctx);
        const row = await db.withTenant(tenantId, async (em) => {
          const tenant = await lockTenant(em, tenantId);
          if (tenant === null) throw notFound("workspace", req.workspaceId);
          if (tenant.status === "SUSPENDED") throw new PreconditionError("the tenant is suspended");
          await requireVerifiedEmail(em, ctx, "connect channels");
          const problem = limitProblem(
            "channels",
            tenant.plan,
            effectiveLimits(tenant.plan, tenant.limits),
            await countChannels(em),
          );
          if (problem !== undefined) throw new ConnectError(problem, Code.ResourceExhausted);
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
          await announce(em, [channelCreated(channelView(created), correlationId)]);
          return created;
        });
        lookups.rememberChannel(id, tenantId);
        const channel = channelView(row);
        withContext(deps.logger, { tenantId, correlationId }).info(
          { channelId: id, type: settings.type },
          "channel created",
        );
        return { channel, webIdentitySecret: settings.identitySecret };
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
        const filters = filterKey({ workspace: req.workspaceId, type: type ?? "", status: status ?? "" });
        const size = pageSize(req.page);
        const after = decodePageToken(req.page, filters);
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const rows = await db.withTenant(tenantId, (em) =>
          listChannels(em, { workspaceId: req.workspaceId, type, status, after }, size + 1),
        );
        const page = pageOf(rows, size, filters);
        return { channels: page.items.map(channelView), page: { nextPageToken: page.nextPageToken } };
      }),

    updateChannel: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const correlationId = correlationOf(ctx);
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
          const events = [channelUpdated(channelView(row), update.changedFields, correlationId)];
          if (row.status !== previous) events.push(channelStatusChanged(row, previous, correlationId));
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

    setChannelStatus: (req, ctx) =>
      rpc(async () => {
        const status = channelStatusFromProto(req.status);
        if (status === undefined) throw new InvalidInputError("status", "is not a channel status");
        const channel = await changeStatus(
          { tenantId: tenantOfCall(ctx, req.tenantId), channelId: req.channelId },
          { kind: "set", status, reason: req.reason.trim() },
          ctx,
        );
        return { channel };
      }),

    resolveChannel: (req, ctx) =>
      rpc(async () => {
        let owner: { tenantId: string; channelId: string } | undefined;
        switch (req.key.case) {
          case "channelId": {
            const channelId = req.key.value;
            const tenantId = await lookups.tenantOfChannel(channelId);
            if (tenantId === undefined) throw notFound("channel", channelId);
            owner = { tenantId, channelId };
            break;
          }
          case "siteKey":
            owner = await lookups.channelOfSiteKey(req.key.value);
            if (owner === undefined) throw notFound("web channel with site key", req.key.value);
            break;
          default:
            throw invalidArgument("key", "set channel_id or site_key");
        }
        const { tenantId, channelId } = owner;
        const found = await db.withTenant(tenantId, async (em) => ({
          row: await findChannel(em, channelId),
          tenant: await findTenant(em, tenantId),
        }));
        if (found.row === null) throw notFound("channel", channelId);
        const { row } = found;
        if (ignoresStoredBaseUrl(row, deps.graphDefaults)) {
          withContext(deps.logger, { tenantId, correlationId: correlationOf(ctx) }).warn(
            { channelId },
            "the channel stores its own Graph API base URL, which GRAPH_BASE_URL_OVERRIDES=deny refuses: the default is used",
          );
        }
        return {
          channelId: row.id,
          tenantId: row.tenantId,
          workspaceId: row.workspaceId,
          type: channelTypeToProto(row.type),
          status: channelStatusToProto(row.status),
          credentials: channelCredentials(row, openChannelSecrets(secretBox, row), deps.graphDefaults),
          updatedAt: timestampFromDate(row.updatedAt),
          tenantSuspended: found.tenant?.status === "SUSPENDED",
        };
      }),
  };
}
