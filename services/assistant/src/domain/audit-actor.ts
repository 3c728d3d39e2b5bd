import { type Actor, ActorSchema, PrincipalKind } from "@atendo/proto/tenant/v1";
import type { Principal } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";

/**
 * Who the audit log names for a change, from the caller's principal. Principals carry ids only;
 * the tenant service knows the names behind them, so display_name stays empty.
 */
export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case "user":
      return create(ActorSchema, { kind: PrincipalKind.USER, id: principal.userId });
    case "api_key":
      return create(ActorSchema, { kind: PrincipalKind.API_KEY, id: principal.apiKeyId });
    case "visitor":
      return create(ActorSchema, { kind: PrincipalKind.VISITOR, id: principal.visitorId });
    case "service":
      return create(ActorSchema, { kind: PrincipalKind.SYSTEM, displayName: `service:${principal.service}` });
  }
}
