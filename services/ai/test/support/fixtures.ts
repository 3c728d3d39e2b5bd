import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import type { ReplyGenerated } from "@atendo/proto/ai/v1";
import { ChannelType, ModelProvider } from "@atendo/proto/common/v1";
import type { TurnReady } from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { Plan } from "@atendo/proto/tenant/v1";
import type { Owner } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { Clients, Stack } from "./stack.js";

/** A tenant's owner, placed in one of its workspaces, with clients that call as them. */
export type Workspace = Owner<Clients>;

/** A new tenant (ENTERPRISE: no plan limits, set by the platform admin) signed up by its owner. */
export function createWorkspace(stack: Stack): Promise<Workspace> {
  return stack.identity.signUpOwner({ plan: Plan.ENTERPRISE });
}

/** The platform admin sets the tenant's limits: `monthlyAiMessages` AI replies a month, nothing else capped. */
export async function setMonthlyAiMessages(
  stack: Stack,
  ws: Workspace,
  monthlyAiMessages: number,
): Promise<void> {
  const limits = await stack.identity.setLimits(ws.tenantId, { monthlyAiMessages });
  if (limits.monthlyAiMessages !== monthlyAiMessages) throw new Error("UpdateTenant kept the old limit");
}

/** An offline assistant, bound to `channelId` when given. */
export async function createAssistant(
  ws: Workspace,
  options: {
    language?: string;
    channelId?: string;
    handoffKeywords?: string[];
    handoffMessage?: string;
  } = {},
): Promise<string> {
  const { assistant } = await ws.clients.assistants.createAssistant({
    workspaceId: ws.workspaceId,
    name: `Assistant ${newId()}`,
    language: options.language ?? "pt-BR",
    model: { provider: ModelProvider.OFFLINE },
    handoff: { keywords: options.handoffKeywords ?? [], message: options.handoffMessage ?? "" },
  });
  if (assistant === undefined) throw new Error("createAssistant returned no assistant");
  if (options.channelId !== undefined) {
    await ws.clients.assistants.bindChannel({
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
