import {
  InstagramCredentialsSchema,
  type ResolveChannelResponse,
  WebCredentialsSchema,
  WhatsAppCredentialsSchema,
} from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import type { ChannelRecord, ChannelSecrets, GraphDefaults } from "./channel-model.js";

/**
 * A channel's own Graph base URL when the operator allows overrides now (GRAPH_BASE_URL_OVERRIDES
 * is read at use, not only when the channel was saved: a URL stored while they were allowed must
 * not keep receiving the access token after the operator said deny), else "".
 */
export function baseUrlOverride(c: Pick<ChannelRecord, "config">, defaults: GraphDefaults): string {
  return defaults.allowBaseUrlOverride ? (c.config.graph_api_base_url ?? "") : "";
}

/** Whether the channel stores a base URL that the operator's setting now refuses. */
export function ignoresStoredBaseUrl(c: Pick<ChannelRecord, "config">, defaults: GraphDefaults): boolean {
  return !defaults.allowBaseUrlOverride && (c.config.graph_api_base_url ?? "") !== "";
}

/** Decrypted credentials with the platform defaults applied, for ResolveChannel only. */
export function channelCredentials(
  c: ChannelRecord,
  secrets: ChannelSecrets,
  defaults: GraphDefaults,
): ResolveChannelResponse["credentials"] {
  const cfg = c.config;
  const version = cfg.graph_api_version || defaults.graphApiVersion;
  const override = baseUrlOverride(c, defaults);
  switch (c.type) {
    case "WHATSAPP":
      return {
        case: "whatsapp",
        value: create(WhatsAppCredentialsSchema, {
          phoneNumberId: cfg.phone_number_id ?? "",
          wabaId: cfg.waba_id ?? "",
          accessToken: secrets.access_token ?? "",
          appSecret: secrets.app_secret ?? "",
          verifyToken: secrets.verify_token ?? "",
          graphApiBaseUrl: override || defaults.whatsappGraphBaseUrl,
          graphApiVersion: version,
        }),
      };
    case "INSTAGRAM":
      return {
        case: "instagram",
        value: create(InstagramCredentialsSchema, {
          accountId: cfg.account_id ?? "",
          accessToken: secrets.access_token ?? "",
          appSecret: secrets.app_secret ?? "",
          verifyToken: secrets.verify_token ?? "",
          graphApiBaseUrl: override || defaults.instagramGraphBaseUrl,
          graphApiVersion: version,
        }),
      };
    case "WEB":
      return {
        case: "web",
        value: create(WebCredentialsSchema, {
          siteKey: cfg.site_key ?? "",
          identitySecret: secrets.identity_secret ?? "",
          allowedOrigins: cfg.allowed_origins ?? [],
          identityVerification: cfg.identity_verification ?? false,
          name: c.name,
        }),
      };
  }
}
