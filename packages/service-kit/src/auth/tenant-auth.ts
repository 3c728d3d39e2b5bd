import { TenantService, TokenService } from "@atendo/proto/tenant/v1";
import type { Logger } from "pino";
import { createServiceClient } from "../client/create-service-client.js";
import { Secret } from "../config/secret.js";
import type { ApiKeyCache } from "./api-key-cache.js";
import { createApiKeyCache } from "./api-key-cache.js";
import { createJwksVerifier } from "./jwks-verifier.js";
import type { ServiceTokenSource } from "./service-token-source.js";
import { createServiceTokenSource } from "./service-token-source.js";
import type { SuspendedTenants } from "./suspended-tenants.js";
import { createSuspendedTenants } from "./suspended-tenants.js";
import { introspectionFrom, issuedTokenFrom, unlessAbsent } from "./tenant-answers.js";
import type { TokenVerifier } from "./token-verifier.js";
import type { WorkspaceDirectory } from "./workspace-directory.js";
import { createWorkspaceDirectory } from "./workspace-directory.js";

export interface TenantAuthOptions {
  /** TENANT_SERVICE_URL. */
  tenantServiceUrl: string;
  /** This service's name ("conversation"). */
  service: string;
  /** SERVICE_CREDENTIAL. */
  credential: Secret | string;
  /** AUTH_ISSUER. */
  issuer: string;
  /** Default "atendo". */
  audience?: string;
  logger?: Logger;
  /** Deadline of every call to the tenant service: JWKS, service tokens, introspection, lookups. Default 5 s. */
  timeoutMs?: number;
}

export interface TenantAuth {
  verifier: TokenVerifier;
  apiKeys: ApiKeyCache;
  workspaces: WorkspaceDirectory;
  /** Also the `credentials` of this service's clients of other services. */
  serviceTokens: ServiceTokenSource;
  /** Kept current by `watchAccessChanges({ bus, auth })`; the auth interceptor refuses these tenants. */
  suspendedTenants: SuspendedTenants;
  /** Stops background token renewal. */
  close(): void;
}

/**
 * Everything the auth path of a service needs, backed by the tenant service: its JWKS, API key
 * introspection and workspace lookups (both sent with this service's token), and the service token
 * itself (traded for SERVICE_CREDENTIAL).
 *
 * ```ts
 * const auth = createTenantAuth({ tenantServiceUrl, service: "conversation", credential, issuer });
 * await watchAccessChanges({ bus, auth, logger }); // revocations and suspensions, on every replica
 * interceptors: [createAuthInterceptor({ ...auth, policies, logger })]
 * const tenants = createServiceClient(TenantService, tenantServiceUrl, { credentials: auth.serviceTokens });
 * ```
 */
export function createTenantAuth(options: TenantAuthOptions): TenantAuth {
  const base = options.tenantServiceUrl.replace(/\/+$/, "");
  const credential =
    options.credential instanceof Secret ? options.credential : new Secret(options.credential);
  const timeoutMs = options.timeoutMs ?? 5000;

  // Trading the credential needs no token: this client sends none.
  const issuer = createServiceClient(TokenService, base, { timeoutMs });
  const serviceTokens = createServiceTokenSource({
    issue: async (signal) =>
      issuedTokenFrom(
        await issuer.issueServiceToken(
          { service: options.service, credential: credential.reveal() },
          { signal },
        ),
      ),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const tokens = createServiceClient(TokenService, base, { timeoutMs, credentials: serviceTokens });
  const tenants = createServiceClient(TenantService, base, { timeoutMs, credentials: serviceTokens });

  return {
    verifier: createJwksVerifier({
      jwksUrl: `${base}/.well-known/jwks.json`,
      issuer: options.issuer,
      timeoutMs,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    apiKeys: createApiKeyCache({
      introspect: async (apiKey) => {
        const res = await unlessAbsent(() => tokens.introspectApiKey({ apiKey }));
        return res === undefined ? undefined : introspectionFrom(res);
      },
    }),
    workspaces: createWorkspaceDirectory({
      lookup: async (workspaceId) => {
        const res = await unlessAbsent(() => tenants.getWorkspace({ workspaceId }));
        const tenantId = res?.workspace?.tenantId;
        return tenantId === "" ? undefined : tenantId;
      },
    }),
    serviceTokens,
    suspendedTenants: createSuspendedTenants(),
    close: () => serviceTokens.close(),
  };
}
