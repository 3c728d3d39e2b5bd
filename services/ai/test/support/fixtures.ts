import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import type { ReplyGenerated } from "@atendo/proto/ai/v1";
import { ChannelType, ModelProvider } from "@atendo/proto/common/v1";
import type { TurnReady } from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { Plan } from "@atendo/proto/tenant/v1";
import { uniqueNamespace } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { Stack } from "./stack.js";

export interface Workspace {
  tenantId: string;
  workspaceId: string;
}

/** A new tenant (no plan limits) with one workspace. */
export async function createWorkspace(stack: Stack): Promise<Workspace> {
  const slug = uniqueNamespace("t").replace(/_/g, "-");
  const { tenant } = await stack.tenants.createTenant({
    name: `Tenant ${slug}`,
    slug,
    plan: Plan.ENTERPRISE,
  });
  if (tenant === undefined) throw new Error("createTenant returned no tenant");
  const { workspace } = await stack.tenants.createWorkspace({
    tenantId: tenant.id,
    name: "Main",
    defaultLanguage: "pt-BR",
  });
  if (workspace === undefined) throw new Error("createWorkspace returned no workspace");
  return { tenantId: tenant.id, workspaceId: workspace.id };
}

/** A web-chat channel of the workspace. */
export async function createChannel(stack: Stack, ws: Workspace): Promise<string> {
  const { channel } = await stack.channels.createChannel({
    workspaceId: ws.workspaceId,
    name: `Site ${newId()}`,
    config: { case: "web", value: { allowedOrigins: [] } },
  });
  if (channel === undefined) throw new Error("createChannel returned no channel");
  return channel.id;
}

/** An offline assistant, bound to `channelId` when given. */
export async function createAssistant(
  stack: Stack,
  ws: Workspace,
  options: { language?: string; channelId?: string; handoffKeywords?: string[] } = {},
): Promise<string> {
  const { assistant } = await stack.assistants.createAssistant({
    workspaceId: ws.workspaceId,
    name: `Assistant ${newId()}`,
    language: options.language ?? "pt-BR",
    model: { provider: ModelProvider.OFFLINE },
    handoff: { keywords: options.handoffKeywords ?? [] },
  });
  if (assistant === undefined) throw new Error("createAssistant returned no assistant");
  if (options.channelId !== undefined) {
    await stack.assistants.bindChannel({
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
