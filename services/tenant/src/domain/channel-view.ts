import {
  type Channel,
  ChannelSchema,
  type HistoryImport,
  HistoryImportSchema,
  InstagramChannelViewSchema,
  WebChannelViewSchema,
  WhatsAppChannelViewSchema,
} from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ChannelRecord } from "./channel-model.js";
import { channelStatusToProto, channelTypeToProto } from "./enums.js";
import { type HistoryImportJson, historyStateToProto } from "./history-import.js";

function historyImportView(h: HistoryImportJson | null | undefined): HistoryImport | undefined {
  if (h === null || h === undefined) return undefined;
  return create(HistoryImportSchema, {
    state: historyStateToProto(h.state),
    phaseProgress: [...h.phase_progress],
    chunks: h.chunks_seen.length,
    messages: h.messages,
    errorCode: h.error_code,
    errorMessage: h.error_message,
    updatedAt: timestampFromDate(new Date(h.updated_at)),
  });
}

/** The public view of a channel: settings and hints, never a secret. */
export function channelView(c: ChannelRecord): Channel {
  const cfg = c.config;
  return create(ChannelSchema, {
    id: c.id,
    tenantId: c.tenantId,
    workspaceId: c.workspaceId,
    type: channelTypeToProto(c.type),
    name: c.name,
    status: channelStatusToProto(c.status),
    statusReason: c.statusReason,
    statusChangedAt: timestampFromDate(c.statusChangedAt),
    config: configView(c),
    createdAt: timestampFromDate(c.createdAt),
    updatedAt: timestampFromDate(c.updatedAt),
    historyImport: historyImportView(c.historyImport),
  });

  function configView(ch: ChannelRecord): Channel["config"] {
    switch (ch.type) {
      case "WHATSAPP":
        return {
          case: "whatsapp",
          value: create(WhatsAppChannelViewSchema, {
            phoneNumberId: cfg.phone_number_id ?? "",
            wabaId: cfg.waba_id ?? "",
            displayPhoneNumber: cfg.display_phone_number ?? "",
            graphApiVersion: cfg.graph_api_version ?? "",
            graphApiBaseUrl: cfg.graph_api_base_url ?? "",
            accessTokenHint: cfg.access_token_hint ?? "",
            appSecretHint: cfg.app_secret_hint ?? "",
            verifyTokenHint: cfg.verify_token_hint ?? "",
            webhookPath: `/webhooks/whatsapp/${ch.id}`,
          }),
        };
      case "INSTAGRAM":
        return {
          case: "instagram",
          value: create(InstagramChannelViewSchema, {
            accountId: cfg.account_id ?? "",
            graphApiVersion: cfg.graph_api_version ?? "",
            graphApiBaseUrl: cfg.graph_api_base_url ?? "",
            accessTokenHint: cfg.access_token_hint ?? "",
            appSecretHint: cfg.app_secret_hint ?? "",
            verifyTokenHint: cfg.verify_token_hint ?? "",
            webhookPath: `/webhooks/instagram/${ch.id}`,
          }),
        };
      case "WEB":
        return {
          case: "web",
          value: create(WebChannelViewSchema, {
            siteKey: cfg.site_key ?? "",
            allowedOrigins: cfg.allowed_origins ?? [],
            identityVerification: cfg.identity_verification ?? false,
            identitySecretHint: cfg.identity_secret_hint ?? "",
          }),
        };
    }
  }
}
