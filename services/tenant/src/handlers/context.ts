import { correlationIdKey } from "@atendo/service-kit";
import type { HandlerContext } from "@connectrpc/connect";

/** The request's correlation id (set by service-kit's correlation interceptor). */
export function correlationOf(ctx: HandlerContext): string {
  return ctx.values.get(correlationIdKey);
}
