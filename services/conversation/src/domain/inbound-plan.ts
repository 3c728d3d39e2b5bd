import type { HandlerName } from "./enums.js";

export interface InboundFacts {
  /** The business sent it (a person in the app, or our own send echoed back). */
  isEcho: boolean;
  /** Older than the channel's replay horizon: stored, never answered. */
  stale: boolean;
  /** The content is something the assistant answers (not a reaction, not unsupported). */
  answerableContent: boolean;
  /** An imported past message (coexistence history): kept as context, nothing else. */
  history: boolean;
  /** The sender already deleted it (the deletion arrived first). */
  deleted: boolean;
  /** Who handles the conversation before this message. */
  handler: HandlerName;
}

export interface InboundPlan {
  direction: "INBOUND" | "OUTBOUND";
  senderKind: "CONTACT" | "AGENT";
  /** Counts as an unanswered inbound message until a reply answers it. */
  answerable: boolean;
  /** Starts a new turn: bump turn_epoch and (re)arm the reply buffer. */
  startsTurn: boolean;
  /** A person wrote from the business app while the AI handled it: pause the AI. */
  handsOff: boolean;
}

/** What storing an inbound MessageReceived means for the conversation. */
export function planInbound(facts: InboundFacts): InboundPlan {
  if (facts.history) {
    // The past: its direction only. Never answered, never pausing the AI.
    return {
      direction: facts.isEcho ? "OUTBOUND" : "INBOUND",
      senderKind: facts.isEcho ? "AGENT" : "CONTACT",
      answerable: false,
      startsTurn: false,
      handsOff: false,
    };
  }
  if (facts.isEcho) {
    return {
      direction: "OUTBOUND",
      senderKind: "AGENT",
      answerable: false,
      startsTurn: false,
      handsOff: facts.handler === "AI",
    };
  }
  const answerable = !facts.stale && !facts.deleted && facts.answerableContent;
  return {
    direction: "INBOUND",
    senderKind: "CONTACT",
    answerable,
    startsTurn: answerable && facts.handler === "AI",
    handsOff: false,
  };
}
