import { API_KEY_PREFIX } from "./api-key-cache.js";

/** A credential as presented by the caller. */
export interface PresentedCredential {
  readonly kind: "api_key" | "token";
  /** The token or key itself, without "Bearer ". Never log it. */
  readonly value: string;
}

export const AUTHORIZATION_HEADER = "authorization";
export const API_KEY_HEADER = "x-api-key";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The credential of a request: `Authorization: Bearer <token or atd_live_ key>`, or an API key in
 * `x-api-key`. "malformed" when a header is there but unusable (another scheme, a non-key in
 * x-api-key), undefined when there is none.
 */
export function readCredential(header: Headers): PresentedCredential | "malformed" | undefined {
  const authorization = header.get(AUTHORIZATION_HEADER);
  if (authorization !== null) {
    const value = BEARER.exec(authorization)?.[1];
    if (value === undefined) return "malformed";
    return { kind: value.startsWith(API_KEY_PREFIX) ? "api_key" : "token", value };
  }
  const apiKey = header.get(API_KEY_HEADER)?.trim();
  if (apiKey === undefined) return undefined;
  return apiKey.startsWith(API_KEY_PREFIX) ? { kind: "api_key", value: apiKey } : "malformed";
}
