// What `npm run dev` prints once everything is up: where things are, the demo's logins, ids and
// local secrets, and ready-to-run curls (a login and an authenticated RPC through the edge, signed
// WhatsApp and Instagram webhooks and their verify handshakes) and the web-chat widget's demo page.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { signMeta } from "@atendo/testing";
import type { EdgeRequest } from "./dev-logins.js";
import { curlOf, loginLines, sh } from "./dev-logins.js";
import type { DemoSeed } from "./seed.js";

export interface DevSummaryInput {
  root: string;
  edgeUrl: string;
  graphUrl: string;
  services: ReadonlyArray<{ name: string; url: string }>;
  seed: DemoSeed;
  /** The webhook body the curl posts, relative to root (see refreshWebhookBody). */
  webhookFile: string;
  /** The fixture it was made from, relative to root: also printed, as Meta would resend it. */
  fixtureFile?: string;
  /** The Instagram webhook body its curl posts, relative to root (see refreshInstagramBody). */
  instagramWebhookFile: string;
  /** Where the web-chat widget's demo page is served. */
  widgetPageUrl: string;
}

/** The two channels Meta posts webhooks for; the demo signs both with its one app secret. */
export type MetaChannel = "whatsapp" | "instagram";

const channelIdOf = (input: DevSummaryInput, channel: MetaChannel): string =>
  channel === "whatsapp" ? input.seed.channelId : input.seed.instagramChannelId;

export function webhookCurl(
  input: DevSummaryInput,
  file: string = input.webhookFile,
  channel: MetaChannel = "whatsapp",
): { command: string; signature: string } {
  const body = readFileSync(join(input.root, file));
  const signature = signMeta(input.seed.spec.appSecret, body);
  const url = `${input.edgeUrl}/webhooks/${channel}/${channelIdOf(input, channel)}`;
  const command = [
    `curl -i -X POST ${sh(url)}`,
    `  -H 'content-type: application/json'`,
    `  -H ${sh(`x-hub-signature-256: ${signature}`)}`,
    `  --data-binary @${relative(input.root, join(input.root, file))}`,
  ].join(" \\\n");
  return { command, signature };
}

export function verifyCurl(
  input: DevSummaryInput,
  challenge = "1158201444",
  channel: MetaChannel = "whatsapp",
): string {
  const q = new URLSearchParams({
    "hub.mode": "subscribe",
    "hub.verify_token": input.seed.spec.verifyToken,
    "hub.challenge": challenge,
  });
  const url = `${input.edgeUrl}/webhooks/${channel}/${channelIdOf(input, channel)}?${q.toString()}`;
  return `curl -i ${sh(url)}`;
}

/** Where local mail goes: nowhere but the terminal and the development mailbox (no SMTP_URL). */
export function mailLines(input: DevSummaryInput): string[] {
  const tenant = input.services.find((s) => s.name === "tenant")?.url ?? "";
  return [
    "Email is not sent locally: the tenant service prints each link (verification, invitations) and lists",
    `what it handled at ${tenant}/dev/mailbox?to=<email> (this machine only). Platform admins:`,
    "PLATFORM_ADMIN_EMAILS once verified, or `npm run admin -- platform-admin grant <email>`.",
    "",
  ];
}

export function devSummary(input: DevSummaryInput): string {
  const { seed } = input;
  const width = Math.max(...input.services.map((s) => s.name.length), "platform admin".length) + 2;
  const row = (k: string, v: string): string => `  ${k.padEnd(width)} ${v}`;
  return [
    "",
    "Atendo is running. Ctrl-C stops everything this run started.",
    "",
    row("edge", `${input.edgeUrl}  (webhooks, gRPC, gRPC-web, Connect)`),
    ...input.services.map((s) => row(s.name, s.url)),
    row("fake Graph API", input.graphUrl),
    row("widget demo", `${input.widgetPageUrl}  (the web-chat widget, through the edge)`),
    "",
    "Demo logins (local passwords, never use them anywhere else):",
    row("owner", `${seed.spec.ownerEmail} / ${seed.spec.ownerPassword}  (tenant ${seed.spec.tenantName})`),
    row(
      "platform admin",
      `${seed.spec.adminEmail} / ${seed.spec.adminPassword}${seed.platformAdmin ? "" : "  (NOT a platform admin: see below)"}`,
    ),
    "",
    "Demo (local test secrets, never use them anywhere else):",
    row("tenant", `${seed.tenantId}  (slug ${seed.slug})`),
    row("workspace", seed.workspaceId),
    row(
      "channel",
      `${seed.channelId}  (WhatsApp ${seed.spec.phoneNumberId}, +${seed.spec.displayPhoneNumber})`,
    ),
    row("instagram", `${seed.instagramChannelId}  (Instagram account ${seed.spec.instagramAccountId})`),
    row("web chat", `${seed.webChannelId}  (site key ${seed.siteKey})`),
    row("web origins", `${seed.spec.webOrigins.join(", ")}  (no identity verification)`),
    row("assistant", `${seed.assistantId}  (offline, ${seed.spec.language}, answers on all three)`),
    row("app secret", seed.spec.appSecret),
    row("verify token", seed.spec.verifyToken),
    row("access token", seed.spec.accessToken),
    ...seed.warnings.map((w) => `  ! ${w}`),
    "",
    ...mailLines(input),
    ...loginLines(input.edgeUrl, seed),
    "Send two customer messages as Meta would, signed with the demo app secret (the body is",
    "packages/testing/fixtures/whatsapp/two-text-messages.json dated now, with this run's message ids;",
    "posting it twice is a duplicate delivery, which ingress accepts and ignores):",
    "",
    webhookCurl(input).command,
    "",
    ...(input.fixtureFile === undefined
      ? []
      : [
          "The fixture itself (dated 2026-01-01: accepted, stored as stale, never answered):",
          "",
          webhookCurl(input, input.fixtureFile).command,
          "",
        ]),
    "Meta's verify handshake (answers the challenge):",
    "",
    verifyCurl(input),
    "",
    ...instagramLines(input),
    ...widgetLines(input),
  ].join("\n");
}

/** ConversationService.ListConversations of the Instagram channel, as a member (token in `token`). */
export function instagramConversationsRequest(input: DevSummaryInput, token: string): EdgeRequest {
  return {
    method: "POST",
    url: `${input.edgeUrl}/atendo.conversation.v1.ConversationService/ListConversations`,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ workspaceId: input.seed.workspaceId, channelId: input.seed.instagramChannelId }),
  };
}

/** The Instagram part: a signed delivery of two messages, where to see them, and the handshake. */
export function instagramLines(input: DevSummaryInput): string[] {
  return [
    "Instagram Direct: two messages from a customer, signed with the same app secret (the body is",
    "packages/testing/fixtures/instagram/two-messages.json dated now, with this run's mids):",
    "",
    webhookCurl(input, input.instagramWebhookFile, "instagram").command,
    "",
    "They land in a conversation of the Instagram channel (with $TOKEN from the login above). The",
    "assistant answers it, but delivery does not send to Instagram yet: the reply is stored as failed.",
    "",
    curlOf(instagramConversationsRequest(input, "$TOKEN")),
    "",
    "Instagram's verify handshake:",
    "",
    verifyCurl(input, "1158201444", "instagram"),
    "",
  ];
}

/** The web-chat part: the demo page that embeds the widget. */
export function widgetLines(input: DevSummaryInput): string[] {
  return [
    "Web chat: open the widget's demo page, write something, and the assistant's reply appears",
    `in the page (it talks Connect to the edge with the site key ${input.seed.siteKey}):`,
    "",
    `  ${input.widgetPageUrl}`,
    "",
  ];
}
