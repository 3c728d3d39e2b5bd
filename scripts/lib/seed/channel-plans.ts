// The three demo channels as plans for ensureChannel: WhatsApp and Instagram on the local Graph API
// with the demo's secrets (write-only, so their hints are compared), and the web-chat widget allowed
// on the demo page's origins, without identity verification (anonymous visitors: the demo page has
// no server that could sign a user id, and the secret is shown only at creation).
import { ChannelType } from "@atendo/proto/common/v1";
import type { Channel } from "@atendo/proto/tenant/v1";
import type { ChannelPlan } from "./channel.js";

export interface MetaSecrets {
  appSecret: string;
  verifyToken: string;
  accessToken: string;
}

const last4 = (s: string): string => s.slice(-4);
const SECRET_PATHS = ["access_token", "app_secret", "verify_token", "graph_api_base_url"];

/** The update that puts a Meta channel's secrets and Graph URL back, when any of them moved. */
function metaDrift(
  view: { graphApiBaseUrl: string; accessTokenHint: string; appSecretHint: string; verifyTokenHint: string },
  secrets: MetaSecrets,
  graphBaseUrl: string,
): ReturnType<ChannelPlan["drift"]> {
  const same =
    view.graphApiBaseUrl === graphBaseUrl &&
    view.accessTokenHint === last4(secrets.accessToken) &&
    view.appSecretHint === last4(secrets.appSecret) &&
    view.verifyTokenHint === last4(secrets.verifyToken);
  if (same) return undefined;
  return {
    what: "secrets",
    update: {
      updateMask: { paths: SECRET_PATHS },
      accessToken: secrets.accessToken,
      appSecret: secrets.appSecret,
      verifyToken: secrets.verifyToken,
      graphApiBaseUrl: graphBaseUrl,
    },
  };
}

export function whatsappPlan(
  spec: MetaSecrets & {
    channelName: string;
    phoneNumberId: string;
    wabaId: string;
    displayPhoneNumber: string;
  },
  graphBaseUrl: string,
): ChannelPlan {
  return {
    label: "channel",
    name: spec.channelName,
    type: ChannelType.WHATSAPP,
    config: {
      case: "whatsapp",
      value: {
        phoneNumberId: spec.phoneNumberId,
        wabaId: spec.wabaId,
        displayPhoneNumber: spec.displayPhoneNumber,
        accessToken: spec.accessToken,
        appSecret: spec.appSecret,
        verifyToken: spec.verifyToken,
        graphApiBaseUrl: graphBaseUrl,
      },
    },
    pick: (c) => c.config.case === "whatsapp" && c.config.value.phoneNumberId === spec.phoneNumberId,
    notFound:
      `WhatsApp number ${spec.phoneNumberId} is already registered outside the demo workspace; ` +
      "disable that channel or reset the dev database",
    drift: (c: Channel) =>
      // pick() found a WhatsApp channel: the other case never comes.
      c.config.case === "whatsapp" ? metaDrift(c.config.value, spec, graphBaseUrl) : undefined,
  };
}

export function instagramPlan(
  spec: MetaSecrets & { instagramChannelName: string; instagramAccountId: string },
  graphBaseUrl: string,
): ChannelPlan {
  return {
    label: "instagram channel",
    name: spec.instagramChannelName,
    type: ChannelType.INSTAGRAM,
    config: {
      case: "instagram",
      value: {
        accountId: spec.instagramAccountId,
        accessToken: spec.accessToken,
        appSecret: spec.appSecret,
        verifyToken: spec.verifyToken,
        graphApiBaseUrl: graphBaseUrl,
      },
    },
    pick: (c) => c.config.case === "instagram" && c.config.value.accountId === spec.instagramAccountId,
    notFound:
      `Instagram account ${spec.instagramAccountId} is already connected outside the demo workspace; ` +
      "disable that channel or reset the dev database",
    drift: (c: Channel) =>
      c.config.case === "instagram" ? metaDrift(c.config.value, spec, graphBaseUrl) : undefined,
  };
}

export function webPlan(spec: { webChannelName: string; webOrigins: readonly string[] }): ChannelPlan {
  const origins = [...spec.webOrigins];
  return {
    label: "web channel",
    name: spec.webChannelName,
    type: ChannelType.WEB,
    config: { case: "web", value: { allowedOrigins: origins, identityVerification: false } },
    pick: (c) => c.config.case === "web" && c.name.toLowerCase() === spec.webChannelName.toLowerCase(),
    notFound: `a channel named "${spec.webChannelName}" exists in the demo workspace and is not a web channel; rename it`,
    drift: (c: Channel) => {
      const view = c.config.case === "web" ? c.config.value : undefined;
      const same =
        view !== undefined &&
        !view.identityVerification &&
        [...view.allowedOrigins].sort().join(" ") === [...origins].sort().join(" ");
      if (same) return undefined;
      return {
        what: "origins",
        update: {
          updateMask: { paths: ["allowed_origins", "identity_verification"] },
          allowedOrigins: origins,
          identityVerification: false,
        },
      };
    },
  };
}
