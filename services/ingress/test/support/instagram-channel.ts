import { randomBytes } from "node:crypto";
import { signMeta } from "@atendo/testing";
import { type Harness, type Owner, postWebhook } from "./harness.js";
import { IG_ACCOUNT } from "./instagram-payloads.js";

export interface InstagramTestChannel {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  accountId: string;
  appSecret: string;
  verifyToken: string;
  owner: Owner;
}

/**
 * An active Instagram channel created through the tenant service, in a new tenant unless `owner` is
 * given. The account id defaults to the fixtures' (an account is unique per tenant, not globally).
 */
export async function createInstagramChannel(
  h: Harness,
  init: { accountId?: string; appSecret?: string; owner?: Owner } = {},
): Promise<InstagramTestChannel> {
  const owner = init.owner ?? (await h.identity.signUpOwner());
  const accountId = init.accountId ?? IG_ACCOUNT;
  const appSecret = init.appSecret ?? `ig-secret-${randomBytes(8).toString("hex")}`;
  const verifyToken = `ig-verify-${randomBytes(8).toString("hex")}`;
  const { channel } = await owner.clients.channels.createChannel({
    workspaceId: owner.workspaceId,
    name: `Instagram ${accountId.slice(-6)} ${randomBytes(3).toString("hex")}`,
    config: {
      case: "instagram",
      value: { accountId, accessToken: `IGAA-${randomBytes(8).toString("hex")}`, appSecret, verifyToken },
    },
  });
  return {
    tenantId: owner.tenantId,
    workspaceId: owner.workspaceId,
    channelId: channel?.id ?? "",
    accountId,
    appSecret,
    verifyToken,
    owner,
  };
}

/** A POST to the channel's Instagram webhook path, with the given signature header (or none). */
export function postInstagram(
  baseUrl: string,
  channelId: string,
  body: Uint8Array,
  signature: string | undefined,
): Promise<Response> {
  return postWebhook(baseUrl, channelId, body, signature, "instagram");
}

/** Posts a body signed with the channel's app secret. */
export function postInstagramSigned(
  baseUrl: string,
  channel: InstagramTestChannel,
  body: Buffer,
): Promise<Response> {
  return postInstagram(baseUrl, channel.channelId, body, signMeta(channel.appSecret, body));
}
