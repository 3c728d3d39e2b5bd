import type { IntrospectApiKeyResponse, IssueServiceTokenResponse } from "@atendo/proto/tenant/v1";
import { PrincipalKind } from "@atendo/proto/tenant/v1";
import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ApiKeyIntrospection } from "./api-key-cache.js";
import type { IssuedToken } from "./service-token-source.js";

// Answers of the tenant service turned into what the auth path needs. A malformed answer is a
// broken contract, not a bad credential: it throws (the caller answers `unavailable` and logs it).

/** IntrospectApiKey's answer as a cacheable principal. */
export function introspectionFrom(res: IntrospectApiKeyResponse): ApiKeyIntrospection {
  const p = res.principal;
  const workspaceId = p?.workspaceIds.length === 1 ? p.workspaceIds[0] : undefined;
  if (
    p === undefined ||
    p.kind !== PrincipalKind.API_KEY ||
    p.apiKeyId === "" ||
    p.tenantId === "" ||
    workspaceId === undefined ||
    workspaceId === ""
  ) {
    throw new Error("IntrospectApiKey answered a principal that is not one API key of one workspace");
  }
  return {
    principal: {
      kind: "api_key",
      apiKeyId: p.apiKeyId,
      tenantId: p.tenantId,
      workspaceId,
      scopes: [...p.scopes],
    },
    cacheTtlMs: res.cacheTtl === undefined ? 0 : durationMs(res.cacheTtl),
  };
}

/** IssueServiceToken's answer. */
export function issuedTokenFrom(res: IssueServiceTokenResponse): IssuedToken {
  if (res.serviceToken === "" || res.expiresAt === undefined) {
    throw new Error("IssueServiceToken answered no token or no expiry");
  }
  return { token: res.serviceToken, expiresAt: timestampDate(res.expiresAt) };
}

// The tenant service says "no such key/workspace" with these codes; anything else is a failure.
const ABSENT = new Set<Code>([Code.Unauthenticated, Code.NotFound, Code.InvalidArgument]);

/** Runs a lookup; undefined when the tenant service answers that the thing does not exist. */
export async function unlessAbsent<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ConnectError && ABSENT.has(e.code)) return undefined;
    throw e;
  }
}
