import {
  HandoffActionSchema,
  type ReplyPart,
  ReplyPartSchema,
  type ToolAction,
  ToolActionSchema,
} from "@atendo/proto/ai/v1";
import {
  type ModelProvider,
  MoneySchema,
  TextContentSchema,
  type Usage,
  UsageSchema,
} from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";

/** The longest text bubble a channel takes (WhatsApp's limit, the contract's TextContent rule). */
export const MAX_TEXT_PART = 4096;

export function textPart(body: string): ReplyPart {
  const text = body.length > MAX_TEXT_PART ? `${body.slice(0, MAX_TEXT_PART - 1)}…` : body;
  return create(ReplyPartSchema, {
    part: { case: "text", value: create(TextContentSchema, { body: text }) },
  });
}

export function handoffAction(reason: string): ToolAction {
  return create(ToolActionSchema, {
    action: { case: "handoff", value: create(HandoffActionSchema, { reason: reason.slice(0, 1000) }) },
  });
}

/** Usage of a turn that called no model. */
export function zeroUsage(provider: ModelProvider, model: string): Usage {
  return create(UsageSchema, {
    provider,
    model,
    inputTokens: 0n,
    outputTokens: 0n,
    cachedInputTokens: 0n,
    cost: create(MoneySchema, { currencyCode: "USD", units: 0n, nanos: 0 }),
  });
}
