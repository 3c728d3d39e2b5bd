import type { Bus } from "@atendo/bus";
import {
  type ReplyGenerated,
  ReplyGeneratedSchema,
  type UsageRecorded,
  UsageRecordedSchema,
} from "@atendo/proto/ai/v1";
import { type TurnReady, TurnReadySchema } from "@atendo/proto/conversation/v1";
import { waitFor } from "@atendo/testing";

/** Every TurnReady, ReplyGenerated and UsageRecorded of the test's namespace, as they arrive. */
export interface Capture {
  turns: TurnReady[];
  replies: ReplyGenerated[];
  usage: UsageRecorded[];
  /** Waits until `pick` finds something in the captured lists. */
  until<T>(pick: () => T | undefined, message: string): Promise<T>;
}

export async function startCapture(bus: Bus): Promise<Capture> {
  const turns: TurnReady[] = [];
  const replies: ReplyGenerated[] = [];
  const usage: UsageRecorded[] = [];
  await bus.consume({
    durable: "test-turn-ready",
    schema: TurnReadySchema,
    handler: (e) => {
      turns.push(e);
    },
  });
  await bus.consume({
    durable: "test-ai-events",
    schema: [ReplyGeneratedSchema, UsageRecordedSchema],
    handler: (e) => {
      if (e.$typeName === "atendo.ai.v1.ReplyGenerated") replies.push(e);
      else usage.push(e);
    },
  });
  return {
    turns,
    replies,
    usage,
    until: (pick, message) => waitFor(pick, { message, timeoutMs: 15_000 }),
  };
}
