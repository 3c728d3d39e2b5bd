import type { UpdateChannelRequest } from "@atendo/proto/tenant/v1";
import { type BaseUrlPolicy, checkBaseUrl, checkOrigins } from "./channel-input.js";
import type { ChannelConfigJson, ChannelSecrets } from "./channel-model.js";
import type { ChannelTypeName } from "./enums.js";
import { hintOf } from "./hint.js";
import { InvalidInputError } from "./invalid-input.js";

const META: readonly ChannelTypeName[] = ["WHATSAPP", "INSTAGRAM"];

/** Which channel types each update path applies to. */
const APPLIES_TO: Readonly<Record<string, readonly ChannelTypeName[]>> = {
  name: ["WHATSAPP", "INSTAGRAM", "WEB"],
  access_token: META,
  app_secret: META,
  verify_token: META,
  graph_api_version: META,
  graph_api_base_url: META,
  display_phone_number: ["WHATSAPP"],
  allowed_origins: ["WEB"],
  identity_verification: ["WEB"],
};

const SECRET_PATHS = ["access_token", "app_secret", "verify_token"] as const;

export interface ChannelUpdate {
  name: string;
  config: ChannelConfigJson;
  secrets: ChannelSecrets;
  /** Paths whose value really changed (secret names, never values). */
  changedFields: string[];
  /** New credentials: a channel waiting for a reconnect can work again. */
  credentialsChanged: boolean;
}

/** Applies the paths of `update_mask` to a channel's current settings. */
export function applyChannelUpdate(
  current: { type: ChannelTypeName; name: string; config: ChannelConfigJson; secrets: ChannelSecrets },
  req: UpdateChannelRequest,
  policy: BaseUrlPolicy,
): ChannelUpdate {
  const paths = [...new Set(req.updateMask?.paths ?? [])];
  const { type } = current;
  for (const path of paths) {
    if (!APPLIES_TO[path]?.includes(type)) {
      throw new InvalidInputError("update_mask", `"${path}" does not apply to a ${type} channel`);
    }
  }
  const config: ChannelConfigJson = { ...current.config };
  const secrets: ChannelSecrets = { ...current.secrets };
  let name = current.name;
  const changed = new Set<string>();
  const set = <K extends keyof ChannelConfigJson>(path: string, key: K, value: ChannelConfigJson[K]) => {
    if (JSON.stringify(config[key] ?? null) !== JSON.stringify(value ?? null)) changed.add(path);
    config[key] = value;
  };
  const prefix = type === "WHATSAPP" ? "whatsapp" : "instagram";
  for (const path of paths) {
    switch (path) {
      case "name":
        if (req.name !== name) changed.add(path);
        name = req.name;
        break;
      case "access_token":
      case "app_secret":
      case "verify_token": {
        const value =
          path === "access_token" ? req.accessToken : path === "app_secret" ? req.appSecret : req.verifyToken;
        if (secrets[path] !== value) changed.add(path);
        secrets[path] = value;
        config[`${path}_hint`] = hintOf(value);
        break;
      }
      case "graph_api_version":
        set(path, "graph_api_version", req.graphApiVersion);
        break;
      case "graph_api_base_url":
        set(
          path,
          "graph_api_base_url",
          checkBaseUrl(`${prefix}.graph_api_base_url`, req.graphApiBaseUrl, policy),
        );
        break;
      case "display_phone_number":
        set(path, "display_phone_number", req.displayPhoneNumber);
        break;
      case "allowed_origins":
        set(path, "allowed_origins", checkOrigins("allowed_origins", req.allowedOrigins));
        break;
      case "identity_verification":
        set(path, "identity_verification", req.identityVerification);
        break;
    }
  }
  return {
    name,
    config,
    secrets,
    changedFields: paths.filter((p) => changed.has(p)),
    credentialsChanged: SECRET_PATHS.some((p) => changed.has(p)),
  };
}
