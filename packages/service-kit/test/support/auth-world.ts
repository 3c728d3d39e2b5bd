import { randomBytes, randomUUID } from "node:crypto";
import type { HandlerContext } from "@connectrpc/connect";
import type {
  ApiKeyCache,
  ApiKeyIntrospection,
  AtendoServer,
  Policy,
  SuspendedTenants,
  WorkspaceDirectory,
} from "../../src/index.js";
import {
  createApiKeyCache,
  createAuthInterceptor,
  createJwksVerifier,
  createServer,
  createSuspendedTenants,
  createWorkspaceDirectory,
} from "../../src/index.js";
import { createEchoImpl } from "./echo-impl.js";
import { EchoService } from "./echo-service.js";
import type { GuardedCalls } from "./guarded-impl.js";
import { createGuardedImpl, guardedPolicy } from "./guarded-impl.js";
import type { GuardedRequest, GuardedResponse } from "./guarded-service.js";
import { GuardedService } from "./guarded-service.js";
import type { LogLine } from "./log-sink.js";
import { createLogSink } from "./log-sink.js";
import type { TestIssuer } from "./test-issuer.js";

/** Two tenants: A with workspaces A1 and A2, B with B1. */
export interface Ids {
  tenantA: string;
  tenantB: string;
  wsA1: string;
  wsA2: string;
  wsB1: string;
}

export function newIds(): Ids {
  return {
    tenantA: randomUUID(),
    tenantB: randomUUID(),
    wsA1: randomUUID(),
    wsA2: randomUUID(),
    wsB1: randomUUID(),
  };
}

/**
 * The tenant service's side of the auth path, as the test controls it: which key means what
 * (revocable), and which workspace belongs to which tenant. Counts every lookup.
 */
export interface Directory {
  keys: Map<string, ApiKeyIntrospection>;
  workspaces: Map<string, string>;
  introspections: number;
  lookups: number;
  /** A new key for `workspaceId` of `tenantId` with `scopes`. */
  addKey(
    tenantId: string,
    workspaceId: string,
    scopes: string[],
    cacheTtlMs?: number,
  ): { key: string; id: string };
}

export function createDirectory(ids: Ids): Directory {
  const dir: Directory = {
    keys: new Map(),
    workspaces: new Map([
      [ids.wsA1, ids.tenantA],
      [ids.wsA2, ids.tenantA],
      [ids.wsB1, ids.tenantB],
    ]),
    introspections: 0,
    lookups: 0,
    addKey(tenantId, workspaceId, scopes, cacheTtlMs = 5000) {
      const id = randomUUID();
      const key = `atd_live_${randomBytes(6).toString("hex")}_${randomBytes(24).toString("base64url")}`;
      dir.keys.set(key, {
        principal: { kind: "api_key", apiKeyId: id, tenantId, workspaceId, scopes },
        cacheTtlMs,
      });
      return { key, id };
    },
  };
  return dir;
}

export interface GuardedServer {
  server: AtendoServer;
  baseUrl: string;
  lines: LogLine[];
  calls: GuardedCalls;
  apiKeys: ApiKeyCache;
  workspaces: WorkspaceDirectory;
  suspendedTenants: SuspendedTenants;
}

/** The guarded service (and the echo service, which has no policy) behind the auth interceptor. */
export async function startGuardedServer(options: {
  issuer: TestIssuer;
  directory: Directory;
  relay?: (req: GuardedRequest, ctx: HandlerContext) => Promise<GuardedResponse>;
  policies?: readonly Policy[];
}): Promise<GuardedServer> {
  const suspendedTenants = createSuspendedTenants();
  const { logger, lines } = createLogSink();
  const { directory } = options;
  const calls: GuardedCalls = { runs: {} };
  const apiKeys = createApiKeyCache({
    introspect: async (key) => {
      directory.introspections++;
      return directory.keys.get(key);
    },
  });
  const workspaces = createWorkspaceDirectory({
    lookup: async (id) => {
      directory.lookups++;
      return directory.workspaces.get(id);
    },
  });
  const server = createServer({
    service: "kittest",
    logger,
    routes: (router) => {
      router.service(
        GuardedService,
        createGuardedImpl(calls, options.relay === undefined ? {} : { relay: options.relay }),
      );
      router.service(EchoService, createEchoImpl());
    },
    interceptors: [
      createAuthInterceptor({
        verifier: createJwksVerifier({ jwksUrl: options.issuer.jwksUrl, issuer: "atendo", cooldownMs: 0 }),
        apiKeys,
        workspaces,
        suspendedTenants,
        policies: options.policies ?? [guardedPolicy],
        logger,
      }),
    ],
  });
  const port = await server.listen(0);
  return { server, baseUrl: `http://127.0.0.1:${port}`, lines, calls, apiKeys, workspaces, suspendedTenants };
}
