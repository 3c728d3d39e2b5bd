import type { ChannelStatusName } from "./enums.js";
import { PreconditionError } from "./precondition-error.js";

/** Who asks for a status: a person (Disable/EnableChannel) or a service (SetChannelStatus). */
export type StatusRequest =
  | { kind: "disable"; reason: string }
  | { kind: "enable" }
  | { kind: "set"; status: ChannelStatusName; reason: string }
  | { kind: "reconnected" };

export interface StatusOutcome {
  status: ChannelStatusName;
  reason: string;
}

/** The status (and reason) a channel moves to, or PreconditionError when the move is not allowed. */
export function nextChannelStatus(current: StatusOutcome, request: StatusRequest): StatusOutcome {
  switch (request.kind) {
    case "disable":
      // Disabling again without a reason keeps the first reason.
      if (current.status === "DISABLED" && request.reason === "") return current;
      return { status: "DISABLED", reason: request.reason || "disabled by a user" };
    case "enable":
      if (current.status === "NEEDS_RECONNECT") {
        throw new PreconditionError(
          "the channel needs new credentials: update them (UpdateChannel) to make it active again",
        );
      }
      return { status: "ACTIVE", reason: "" };
    case "set":
      // A person switched it off: a service must not bring it back or mark it for reconnection.
      if (current.status === "DISABLED" && request.status !== "DISABLED") {
        throw new PreconditionError("the channel is disabled; only EnableChannel switches it back on");
      }
      return { status: request.status, reason: request.status === "ACTIVE" ? "" : request.reason };
    case "reconnected":
      return current.status === "NEEDS_RECONNECT" ? { status: "ACTIVE", reason: "" } : current;
  }
}
