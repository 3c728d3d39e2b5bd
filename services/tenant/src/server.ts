import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import {
  ApiKeyService,
  AuthService,
  ChannelDirectoryService,
  ChannelService,
  TenantService,
  TokenService,
} from "@atendo/proto/tenant/v1";
import {
  type AtendoServer,
  createAuthInterceptor,
  createServer,
  type HttpHook,
  type TokenVerifier,
  type WorkspaceDirectory,
} from "@atendo/service-kit";
import type { Redis } from "ioredis";
import { createJwksRoute } from "./auth/jwks-route.js";
import type { DevMailbox } from "./email/dev-mailbox.js";
import { createApiKeyService } from "./handlers/api-key-service.js";
import { createAuthService } from "./handlers/auth-service.js";
import { createChannelDirectoryService } from "./handlers/channel-directory-service.js";
import { createChannelService } from "./handlers/channel-service.js";
import { createChannelStatusChange } from "./handlers/channel-status-change.js";
import type { HandlerDeps } from "./handlers/deps.js";
import { createTenantService } from "./handlers/tenant-service.js";
import { createTokenService } from "./handlers/token-service.js";
import { POLICIES } from "./policies.js";

export interface ServerDeps extends HandlerDeps {
  bus: Bus;
  redis: Redis;
  db: Db;
  /** Verifies tokens with this service's own keys (no HTTP to itself). */
  verifier: TokenVerifier;
  /** Workspace -> tenant from this service's own lookups. */
  workspaces: WorkspaceDirectory;
  /** Seconds a new signing key is published before it signs (JWKS cache headers). */
  signingKeyGraceS: number;
  /** Development without SMTP only: `GET /dev/mailbox`. */
  devMailbox: DevMailbox | undefined;
}

/** The first route that takes the request. */
function firstOf(hooks: readonly HttpHook[]): HttpHook {
  return async (req, res, ctx) => {
    for (const hook of hooks) if (await hook(req, res, ctx)) return true;
    return false;
  };
}

/** Routes, the auth interceptor, the JWKS and dev mailbox routes, readiness; nothing listens until `listen()`. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "tenant",
    logger: deps.logger,
    routes(router) {
      const changeChannelStatus = createChannelStatusChange(deps);
      router.service(TenantService, createTenantService(deps));
      router.service(AuthService, createAuthService(deps));
      router.service(ChannelService, createChannelService(deps, changeChannelStatus));
      router.service(ApiKeyService, createApiKeyService(deps));
      // Internal: only other Atendo services call them (policies.ts); no edge routes them.
      router.service(TokenService, createTokenService(deps));
      router.service(ChannelDirectoryService, createChannelDirectoryService(deps, changeChannelStatus));
    },
    interceptors: [
      createAuthInterceptor({
        verifier: deps.verifier,
        apiKeys: deps.apiKeys,
        suspendedTenants: deps.suspendedTenants,
        workspaces: deps.workspaces,
        policies: POLICIES,
        logger: deps.logger,
      }),
    ],
    http: firstOf([
      createJwksRoute({ keys: deps.signingKeys, graceS: deps.signingKeyGraceS }),
      ...(deps.devMailbox === undefined ? [] : [deps.devMailbox.route]),
    ]),
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "nats", check: () => deps.bus.ping() },
      { name: "redis", check: async () => void (await deps.redis.ping()) },
    ],
  });
}
