import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { AUTHORIZATION_HEADER } from "./credentials.js";
import { credentialKey } from "./principal.js";
import type { ServiceTokenSource } from "./service-token-source.js";

/**
 * Client interceptor: a call made while handling a request (its options built with
 * `forwardCallOptions(ctx)`) forwards the caller's credential, so the called service applies the
 * caller's rights; any other call (consumers, sweepers) sends the service token, when there is a
 * source. An explicit `authorization` header set by the caller wins.
 */
export function createCredentialsInterceptor(options: { serviceTokens?: ServiceTokenSource }): Interceptor {
  const { serviceTokens } = options;
  return (next) => async (req) => {
    if (req.header.has(AUTHORIZATION_HEADER)) return next(req);
    const forwarded = req.contextValues.get(credentialKey);
    if (forwarded !== "") {
      req.header.set(AUTHORIZATION_HEADER, `Bearer ${forwarded}`);
      return next(req);
    }
    if (serviceTokens === undefined) return next(req);
    const token = await serviceTokens.token(req.signal);
    req.header.set(AUTHORIZATION_HEADER, `Bearer ${token}`);
    try {
      return await next(req);
    } catch (e) {
      // A token the server refuses (signing key retired early) is not reused.
      if (ConnectError.from(e).code === Code.Unauthenticated) serviceTokens.invalidate(token);
      throw e;
    }
  };
}
