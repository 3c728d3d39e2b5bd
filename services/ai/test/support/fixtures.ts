import { randomBytes } from "node:crypto";
import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import type { ReplyGenerated } from "@atendo/proto/ai/v1";
import { ChannelType, ModelProvider } from "@atendo/proto/common/v1";
import type { TurnReady } from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { Clients } from "./clients.js";
import type { Stack } from "./stack.js";

/** A tenant signed up by its owner, with its first workspace; the clients send the owner's token. */
export interface Workspace extends Clients {
  tenantId: string;
  workspaceId: string;
  ownerId: string;
}

/** Someone other than the owner (a member or an API key), with clients sending its credential. */
export interface Caller extends Clients {
  id: string;
}

const unique = () => randomBytes(6).toString("hex");

/** A new tenant (ENTERPRISE: no plan limits, set by the platform admin) signed up by its owner. */
export async function createWorkspace(stack: Stack): Promise<Workspace> {
  const id = unique();
  const res = await stack.anonymous.auth.signUp({
    email: `owner-${id}@example.com`,
    password: `password-${id}`,
    name: `Owner ${id}`,
    tenantName: `Tenant ${id}`,
  });
  const tenantId = res.tenant?.id ?? "";
  const workspaceId = res.workspace?.id ?? "";
  const token = res.tokens?.accessToken ?? "";
  if (tenantId === "" || workspaceId === "" || token === "") throw new Error("signUp answered incompletely");
  await stack.platform.tenants.updateTenant({
    tenantId,
    updateMask: { paths: ["plan"] },
    plan: Plan.ENTERPRISE,
  });
  return { ...stack.as(token), tenantId, workspaceId, ownerId: res.user?.id ?? "" };
}

/** The platform admin sets the tenant's limits: `monthlyAiMessages` AI replies a month, nothing else capped. */
export async function setMonthlyAiMessages(
  stack: Stack,
  ws: Workspace,
  monthlyAiMessages: number,
): Promise<void> {
  const { tenant } = await stack.platform.tenants.updateTenant({
    tenantId: ws.tenantId,
    updateMask: { paths: ["limits"] },
    limits: { monthlyAiMessages },
  });
  if (tenant?.limits?.monthlyAiMessages !== monthlyAiMessages)
    throw new Error("updateTenant kept other limits");
}

/** A member of the owner's tenant with `role`. */
export async function addMember(stack: Stack, owner: Workspace, role: MemberRole): Promise<Caller> {
  const id = unique();
  const { invitationToken } = await owner.tenants.inviteMember({
    tenantId: owner.tenantId,
    email: `member-${id}@example.com`,
    role,
  });
  const accepted = await stack.anonymous.tenants.acceptInvitation({
    invitationToken,
    name: `Member ${id}`,
    password: `password-${id}`,
  });
  const token = accepted.tokens?.accessToken ?? "";
  if (token === "") throw new Error("acceptInvitation returned no token");
  return { ...stack.as(token), id: accepted.user?.id ?? "" };
}

export const agentOf = (stack: Stack, owner: Workspace) => addMember(stack, owner, MemberRole.AGENT);

/** An API key of the owner's workspace holding `scopes`. */
export async function apiKeyOf(stack: Stack, owner: Workspace, scopes: string[]): Promise<Caller> {
  const { apiKey, secret } = await owner.apiKeys.createApiKey({
    workspaceId: owner.workspaceId,
    name: `Key ${unique()}`,
    scopes,
  });
  if (apiKey === undefined || secret === "") throw new Error("createApiKey returned no key");
  return { ...stack.as(secret), id: apiKey.id };
}

/** A web-chat channel of the workspace. */
export async function createChannel(ws: Workspace): Promise<string> {
  const { channel } = await ws.channels.createChannel({
    workspaceId: ws.workspaceId,
    name: `Site ${newId()}`,
    config: { case: "web", value: { allowedOrigins: [] } },
  });
  if (channel === undefined) throw new Error("createChannel returned no channel");
  return channel.id;
}

/** An offline assistant, bound to `channelId` when given. */
export async function createAssistant(
  ws: Workspace,
  options: { language?: string; channelId?: string; handoffKeywords?: string[] } = {},
): Promise<string> {
  const { assistant } = await ws.assistants.createAssistant({
    workspaceId: ws.workspaceId,
    name: `Assistant ${newId()}`,
    language: options.language ?? "pt-BR",
    model: { provider: ModelProvider.OFFLINE },
    handoff: { keywords: options.handoffKeywords ?? [] },
  });
  if (assistant === undefined) throw new Error("createAssistant returned no assistant");
  if (options.channelId !== undefined) {
    await ws.assistants.bindChannel({
      workspaceId: ws.workspaceId,
      assistantId: assistant.id,
      channelId: options.channelId,
    });
  }
  return assistant.id;
}

/** A customer's text message as ingress publishes it. */
export async function sendMessage(
  stack: Stack,
  ws: Workspace,
  channelId: string,
  contactId: string,
  text: string,
): Promise<void> {
  await stack.bus.publish(
    MessageReceivedSchema,
    create(MessageReceivedSchema, {
      meta: newEventMeta({ tenantId: ws.tenantId, workspaceId: ws.workspaceId, correlationId: newId() }),
      channelId,
      channelType: ChannelType.WEB,
      externalMessageId: `web-${newId()}`,
      contact: { externalId: contactId, displayName: "Ana" },
      message: { content: { case: "text", value: { body: text } } },
      sentAt: timestampNow(),
    }),
  );
}

/** The TurnReady events of a channel so far. */
export function turnsOf(stack: Stack, channelId: string): TurnReady[] {
  return stack.capture.turns.filter((t) => t.channelId === channelId);
}

/** The ReplyGenerated events of a channel so far. */
export function repliesOf(stack: Stack, channelId: string): ReplyGenerated[] {
  return stack.capture.replies.filter((r) => r.channelId === channelId);
}

/** The text of each part of a reply. */
export function replyTexts(reply: ReplyGenerated | undefined): string[] {
  return (reply?.parts ?? []).map((p) => (p.part.case === "text" ? p.part.value.body : ""));
}

/**
 * Proves the ai service has handled every TurnReady published so far: it answers turns one at a
 * time in stream order, so once a fresh turn on the marker channel is answered, earlier ones were.
 */
export function createSettler(stack: Stack, ws: Workspace, markerChannelId: string) {
  return async (): Promise<void> => {
    const before = repliesOf(stack, markerChannelId).length;
    await sendMessage(stack, ws, markerChannelId, `marker-${newId()}`, "Oi");
    await stack.capture.until(
      () => (repliesOf(stack, markerChannelId).length > before ? true : undefined),
      "the marker turn to be answered",
    );
  };
}
