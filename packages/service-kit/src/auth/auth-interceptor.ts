import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { Validator } from "@bufbuild/protovalidate";
import { createValidator } from "@bufbuild/protovalidate";
import type { ContextValues, Interceptor, StreamRequest, UnaryRequest } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { invalidArgument } from "../errors/common-errors.js";
import { accessStateKey } from "./access-state.js";
import type { ApiKeyCache } from "./api-key-cache.js";
import { authUnavailable, InvalidCredentialsError, invalidCredentials, notAllowed } from "./auth-errors.js";
import type { TenantPrincipal } from "./authorize.js";
import { admitKind, checkGrant, checkTenant, checkWorkspace } from "./authorize.js";
import type { PresentedCredential } from "./credentials.js";
import { readCredential } from "./credentials.js";
import { peekFirst } from "./first-message.js";
import { healthPolicy } from "./health-policy.js";
import type { Policy, Rule } from "./policy.js";
import { ruleOf } from "./policy.js";
import type { Principal } from "./principal.js";
import { credentialKey, principalKey } from "./principal.js";
import type { SuspendedTenants } from "./suspended-tenants.js";
import { refusedBySuspension } from "./suspended-tenants.js";
import type { TokenVerifier } from "./token-verifier.js";
import { assertValid } from "./validate-first.js";
import type { WorkspaceDirectory } from "./workspace-directory.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuthInterceptorOptions {
  verifier: TokenVerifier;
  apiKeys: ApiKeyCache;
  workspaces: WorkspaceDirectory;
  /** The policies of every service the server routes (grpc.health.v1.Health is public already). */
  policies: readonly Policy[];
  logger: Logger;
  /** The validator the server uses, when it was built with a registry. */
  validator?: Validator;
  /** Tenants whose credentials are refused (kept current by `watchAccessChanges`). */
  suspendedTenants: SuspendedTenants;
}

/**
 * The one authentication and authorization path (docs/auth.md). Install it in createServer's
 * `interceptors`: it runs before protovalidate, so an unauthenticated caller learns nothing about
 * the request schema. In order:
 *
 * 0. no rule for the method: `permission_denied` (logged as an error: a bug);
 *    a public rule: passes (valid credentials still give a principal, bad ones are ignored);
 * 1. credentials: none, invalid, expired, tampered, unknown key, or of a suspended tenant (platform
 *    admins excepted): `unauthenticated`;
 * 2. kind: the rule must admit the principal's kind: `permission_denied`;
 *    listed services and admitted platform admins pass here;
 * 3. target (`tenant` / `workspace` of the request, the first message of a stream): a malformed
 *    target id is `invalid_argument` naming the field (as protovalidate would); another tenant's
 *    target is `not_found`, one of the caller's tenant that the caller may not use is
 *    `permission_denied`; the rest of the request is validated only after authorization;
 * 4. role and scope: `permission_denied`.
 *
 * The principal and the raw credential land in the call context (`principalOf(ctx)`,
 * `credentialKey`). A failure to reach the keys or the tenant service is `unavailable`.
 */
export function createAuthInterceptor(options: AuthInterceptorOptions): Interceptor {
  const { logger, apiKeys, verifier, workspaces, suspendedTenants } = options;
  const policies = [healthPolicy, ...options.policies];
  const names = policies.map((p) => p.service.typeName);
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length > 0) throw new Error(`more than one policy for ${twice.join(", ")}`);
  const validator = options.validator ?? createValidator();

  const authenticate = async (credential: PresentedCredential): Promise<Principal> => {
    const principal =
      credential.kind === "token"
        ? await verifier.verify(credential.value)
        : await apiKeys.resolve(credential.value);
    if (principal === undefined) throw new InvalidCredentialsError("unknown or revoked api key");
    // The same answer as for a key the tenant service refuses: a suspended tenant's credentials are not valid.
    if (refusedBySuspension(principal, suspendedTenants))
      throw new InvalidCredentialsError("tenant suspended");
    return principal;
  };

  const remember = (values: ContextValues, principal: Principal, credential: PresentedCredential): void => {
    values.set(principalKey, principal);
    values.set(credentialKey, credential.value);
  };

  const checkTarget = async (
    rule: Rule,
    principal: TenantPrincipal,
    schema: DescMessage,
    message: Message,
  ): Promise<void> => {
    const tenantId = rule.tenant?.(message);
    const workspaceId = rule.workspace?.(message);
    // A malformed target cannot exist: let validation name the field. A well-formed one is checked
    // before the rest of the request is validated, so a caller without access learns nothing about
    // the schema either (and the answer does not depend on the request's other fields).
    if ([tenantId, workspaceId].some((id) => id !== undefined && !UUID.test(id))) {
      assertValid(validator, schema, message);
    }
    if (tenantId !== undefined) checkTenant(principal, tenantId);
    if (workspaceId !== undefined) await checkWorkspace(principal, workspaceId, workspaces);
  };

  // Checks 2 to 4; returns the request to hand on (a stream gets its first message back).
  const authorize = async <R extends UnaryRequest | StreamRequest>(
    rpc: string,
    rule: Rule,
    principal: Principal,
    req: R,
  ): Promise<R> => {
    try {
      const unrestricted = admitKind(rule, principal);
      req.contextValues.set(accessStateKey, { unrestricted, workspaces });
      if (unrestricted || principal.kind === "service") return req;
      if (rule.tenant === undefined && rule.workspace === undefined) {
        checkGrant(rule, principal);
        return req;
      }
      if (!req.stream) {
        await checkTarget(rule, principal, req.method.input, req.message);
        checkGrant(rule, principal);
        return req;
      }
      // A stream names its target in its first message: read it, check, then hand it on.
      const peeked = await peekFirst(req.message);
      if (peeked === undefined) throw invalidArgument("request", "the first message is missing");
      await checkTarget(rule, principal, req.method.input, peeked.first);
      checkGrant(rule, principal);
      return { ...req, message: peeked.stream };
    } catch (e) {
      if (e instanceof ConnectError)
        logger.debug({ rpc, kind: principal.kind, code: e.code }, "access refused");
      throw e;
    }
  };

  return (next) => async (req) => {
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const rule = ruleOf(policies, req.method);
    if (rule === undefined) {
      logger.error({ rpc }, "rpc has no authorization rule: refused");
      throw notAllowed();
    }
    const presented = readCredential(req.header);

    if (rule.public === true) {
      if (typeof presented === "object") {
        try {
          remember(req.contextValues, await authenticate(presented), presented);
        } catch (e) {
          // The reason only: jose errors carry the token's claims.
          logger.debug(
            { rpc, reason: e instanceof Error ? e.message : String(e) },
            "credentials on a public rpc ignored",
          );
        }
      }
      return next(req);
    }

    if (typeof presented !== "object") throw invalidCredentials();
    let principal: Principal;
    try {
      principal = await authenticate(presented);
    } catch (e) {
      if (e instanceof InvalidCredentialsError) {
        logger.debug({ rpc, reason: e.message }, "credentials refused");
        throw invalidCredentials();
      }
      logger.warn({ rpc, err: e }, "authentication could not be completed");
      throw authUnavailable();
    }
    remember(req.contextValues, principal, presented);
    return next(await authorize(rpc, rule, principal, req));
  };
}
