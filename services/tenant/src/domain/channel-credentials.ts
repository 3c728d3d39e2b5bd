import {
  InstagramCredentialsSchema,
  type ResolveChannelResponse,
  WebCredentialsSchema,
  WhatsAppCredentialsSchema,
} from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import type { ChannelRecord, ChannelSecrets, GraphDefaults } from "./channel-model.js";

/** Decrypted credentials with the platform defaults applied, for ResolveChannel only. */
export function channelCredentials(
  c: ChannelRecord,
  secrets: ChannelSecrets,
  defaults: GraphDefaults,
): ResolveChannelResponse["credentials"] {
  const cfg = c.config;
  const version = cfg.graph_api_version || defaults.graphApiVersion;
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
          graphApiBaseUrl: cfg.graph_api_base_url || defaults.whatsappGraphBaseUrl,
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
          graphApiBaseUrl: cfg.graph_api_base_url || defaults.instagramGraphBaseUrl,
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
        }),
      };
  }
}
