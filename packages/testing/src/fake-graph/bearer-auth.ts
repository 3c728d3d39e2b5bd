import type { GraphErrorSpec } from "./graph-error.js";

const CANNOT_PARSE = "Invalid OAuth access token - Cannot parse access token";

/**
 * Graph's answer to the request's Authorization header: undefined when it may proceed. With no
 * registered tokens any bearer token is accepted; once tokens are registered only those are.
 */
export function checkBearer(
  header: string | undefined,
  tokens: ReadonlySet<string>,
): GraphErrorSpec | undefined {
  if (header === undefined || header.trim() === "") {
    return { status: 401, code: 104, message: "An access token is required to request this resource." };
  }
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (token === undefined) return { status: 401, code: 190, message: CANNOT_PARSE };
  if (tokens.size > 0 && !tokens.has(token)) return { status: 401, code: 190, message: CANNOT_PARSE };
  return undefined;
}

export function wwwAuthenticate(spec: GraphErrorSpec): Record<string, string> {
  if (spec.status !== 401) return {};
  return { "www-authenticate": `OAuth "Facebook Platform" "invalid_token" "${spec.message}"` };
}
