import { type Actor, ActorKind, ActorSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import type { Principal } from "./principal.js";

/**
 * Who events and the audit log name for what a caller did. Principals carry ids only; the tenant
 * service knows the names behind them, so display_name stays empty (services name themselves).
 */
export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case "user":
      return create(ActorSchema, { kind: ActorKind.USER, id: principal.userId });
    case "api_key":
      return create(ActorSchema, { kind: ActorKind.API_KEY, id: principal.apiKeyId });
    case "visitor":
      return create(ActorSchema, { kind: ActorKind.VISITOR, id: principal.visitorId });
    case "service":
      return create(ActorSchema, { kind: ActorKind.SYSTEM, displayName: `service:${principal.service}` });
  }
}
