import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { definePolicy, failedPrecondition, principalKey, requireWorkspace } from "../../src/index.js";
import type { GuardedRequest, GuardedResponse } from "./guarded-service.js";
import { GuardedResponseSchema, GuardedService } from "./guarded-service.js";

/** One rule per dimension of docs/auth.md. */
export const guardedPolicy = definePolicy(GuardedService, {
  open: { public: true },
  read: {
    role: "agent",
    scope: "things:read",
    visitor: true,
    services: ["ingress"],
    workspace: (req) => req.workspaceId,
  },
  write: { role: "admin", scope: "things:write", workspace: (req) => req.workspaceId },
  own: { role: "owner", tenant: (req) => req.tenantId },
  internal: { services: ["ingress"] },
  operate: { role: "owner", platformAdmin: true, tenant: (req) => req.tenantId },
  late: { role: "agent", scope: "things:read" },
  relay: { role: "agent", scope: "things:read", workspace: (req) => req.workspaceId },
  upload: { role: "agent", scope: "things:write", workspace: (req) => req.workspaceId },
  watch: { role: "agent", workspace: (req) => req.workspaceId },
});

export interface GuardedCalls {
  /** Handler runs per method: a refused call must never reach its handler. */
  runs: Record<string, number>;
}

function reply(ctx: HandlerContext, detail = ""): GuardedResponse {
  const principal = ctx.values.get(principalKey);
  return create(GuardedResponseSchema, {
    principal: principal === undefined ? "" : JSON.stringify(principal),
    detail,
  });
}

/** Handlers that report the principal they saw; `relay` forwards to another service when given. */
export function createGuardedImpl(
  calls: GuardedCalls,
  deps: { relay?: (req: GuardedRequest, ctx: HandlerContext) => Promise<GuardedResponse> } = {},
): ServiceImpl<typeof GuardedService> {
  const ran = (method: string): void => {
    calls.runs[method] = (calls.runs[method] ?? 0) + 1;
  };
  const unary = (method: string) => async (_req: GuardedRequest, ctx: HandlerContext) => {
    ran(method);
    return reply(ctx);
  };
  return {
    open: unary("open"),
    read: unary("read"),
    write: unary("write"),
    own: unary("own"),
    internal: unary("internal"),
    operate: unary("operate"),
    async late(req, ctx) {
      ran("late");
      return reply(ctx, await requireWorkspace(ctx, req.workspaceId));
    },
    async relay(req, ctx) {
      ran("relay");
      if (deps.relay === undefined) throw failedPrecondition("nothing to relay to");
      return deps.relay(req, ctx);
    },
    async upload(requests, ctx) {
      ran("upload");
      const texts: string[] = [];
      for await (const req of requests) texts.push(req.text);
      return reply(ctx, texts.join(","));
    },
    async *watch(req, ctx) {
      ran("watch");
      yield reply(ctx, `${req.text}:1`);
      yield reply(ctx, `${req.text}:2`);
    },
  };
}
