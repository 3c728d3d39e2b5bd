import type { CreateChannelRequest } from "@atendo/proto/tenant/v1";
import type { ChannelConfigJson, ChannelSecrets } from "./channel-model.js";
import type { ChannelTypeName } from "./enums.js";
import { hintOf } from "./hint.js";
import { InvalidInputError } from "./invalid-input.js";
import { newIdentitySecret, newSiteKey } from "./web-keys.js";

export interface NewChannelSettings {
  type: ChannelTypeName;
  config: ChannelConfigJson;
  secrets: ChannelSecrets;
  /** Web channels: the generated identity secret, shown once. */
  identitySecret: string;
}

/** The stored settings of a channel to create, from the request's config case. */
export function newChannelSettings(
  config: CreateChannelRequest["config"],
  policy: BaseUrlPolicy,
): NewChannelSettings {
  switch (config.case) {
    case "whatsapp": {
      const c = config.value;
      return {
        type: "WHATSAPP",
        config: {
          phone_number_id: c.phoneNumberId,
          waba_id: c.wabaId,
          display_phone_number: c.displayPhoneNumber,
          graph_api_version: c.graphApiVersion,
          graph_api_base_url: checkBaseUrl("whatsapp.graph_api_base_url", c.graphApiBaseUrl, policy),
          ...metaHints(c),
        },
        secrets: { access_token: c.accessToken, app_secret: c.appSecret, verify_token: c.verifyToken },
        identitySecret: "",
      };
    }
    case "instagram": {
      const c = config.value;
      return {
        type: "INSTAGRAM",
        config: {
          account_id: c.accountId,
          graph_api_version: c.graphApiVersion,
          graph_api_base_url: checkBaseUrl("instagram.graph_api_base_url", c.graphApiBaseUrl, policy),
          ...metaHints(c),
        },
        secrets: { access_token: c.accessToken, app_secret: c.appSecret, verify_token: c.verifyToken },
        identitySecret: "",
      };
    }
    case "web": {
      const identitySecret = newIdentitySecret();
      return {
        type: "WEB",
        config: {
          site_key: newSiteKey(),
          allowed_origins: checkOrigins("web.allowed_origins", config.value.allowedOrigins),
          identity_verification: config.value.identityVerification,
          identity_secret_hint: hintOf(identitySecret),
        },
        secrets: { identity_secret: identitySecret },
        identitySecret,
      };
    }
    default:
      throw new InvalidInputError("config", "set one of whatsapp, instagram or web");
  }
}

export function metaHints(s: { accessToken: string; appSecret: string; verifyToken: string }) {
  return {
    access_token_hint: hintOf(s.accessToken),
    app_secret_hint: hintOf(s.appSecret),
    verify_token_hint: hintOf(s.verifyToken),
  };
}

/** "" keeps the default; anything else must be an http(s) URL (the contract only asks for a URI). */
/** Whether the operator lets channels point at their own Graph API base URL. */
export interface BaseUrlPolicy {
  allowBaseUrlOverride: boolean;
}

export function checkBaseUrl(field: string, value: string, policy: BaseUrlPolicy): string {
  if (value === "") return "";
  // The URL receives the channel's access token and its answers are shown to the tenant: letting
  // any tenant set it would be a server-side request forgery path into our network.
  if (!policy.allowBaseUrlOverride) {
    throw new InvalidInputError(
      field,
      "cannot be set: this deployment does not allow Graph API URL overrides",
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(field, "is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidInputError(field, "must be an http or https URL");
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new InvalidInputError(field, "must not carry credentials, a query or a fragment");
  }
  return value.replace(/\/+$/, "");
}

/** Browsers send an Origin of scheme, host and port only: anything more would never match. */
export function checkOrigins(field: string, origins: readonly string[]): string[] {
  return origins.map((origin, i) => {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (
      url === undefined ||
      (url.protocol !== "https:" && url.protocol !== "http:") ||
      url.origin !== origin
    ) {
      throw new InvalidInputError(
        `${field}[${i}]`,
        `"${origin}" is not an origin such as https://shop.example.com (scheme and host, no path or slash)`,
      );
    }
    return origin;
  });
}
