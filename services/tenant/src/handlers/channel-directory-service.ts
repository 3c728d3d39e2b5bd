import { type ChannelDirectoryService, Plan } from "@atendo/proto/tenant/v1";
import { invalidArgument, notFound } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { channelCredentials, ignoresStoredBaseUrl } from "../domain/channel-credentials.js";
import { openChannelSecrets } from "../domain/channel-secrets.js";
import {
  channelStatusFromProto,
  channelStatusToProto,
  channelTypeToProto,
  planToProto,
} from "../domain/enums.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { findChannel } from "../store/channel-repository.js";
import { findTenant } from "../store/tenant-repository.js";
import { tenantOfCall } from "./caller.js";
import type { ChangeChannelStatus } from "./channel-status-change.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";

/**
 * ChannelDirectoryService (internal): channels found without knowing their tenant, with their
 * decrypted credentials, for ingress and delivery; and the status changes delivery observes.
 */
export function createChannelDirectoryService(
  deps: HandlerDeps,
  changeStatus: ChangeChannelStatus,
): ServiceImpl<typeof ChannelDirectoryService> {
  const { db, lookups, secretBox } = deps;
  return {
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
          plan: found.tenant ? planToProto(found.tenant.plan) : Plan.UNSPECIFIED,
        };
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
  };
}
