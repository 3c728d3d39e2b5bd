// CORS for browsers calling the edge (the console, the web-chat widget): the Connect and gRPC-web
// headers from @connectrpc/connect's `cors` constants plus ours.
import { cors as connectCors } from "@connectrpc/connect";

export const CORS_ALLOWED_METHODS: readonly string[] = [...connectCors.allowedMethods];
export const CORS_ALLOWED_HEADERS: readonly string[] = [
  ...connectCors.allowedHeaders,
  "Authorization",
  "X-Correlation-Id",
];
export const CORS_EXPOSED_HEADERS: readonly string[] = [...connectCors.exposedHeaders, "X-Correlation-Id"];
const MAX_AGE_SECONDS = 7200;

export interface CorsPolicy {
  /** The headers to add to a response for a request from `origin`; undefined when not allowed. */
  responseHeaders(origin: string | undefined): Record<string, string> | undefined;
  /** The headers of a preflight answer; undefined when the origin is not allowed. */
  preflightHeaders(origin: string | undefined): Record<string, string> | undefined;
}

/**
 * `origins`: exact origins such as `http://localhost:4200`, or `*` for any; `methods`: what a
 * preflight allows (default the RPCs' POST and GET; the widget's upload path adds PUT).
 */
export function createCorsPolicy(
  origins: readonly string[],
  methods: readonly string[] = CORS_ALLOWED_METHODS,
): CorsPolicy {
  const any = origins.includes("*");
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, "").toLowerCase()));
  const isAllowed = (origin: string | undefined): origin is string =>
    origin !== undefined && origin !== "" && (any || allowed.has(origin.toLowerCase()));
  const responseHeaders = (origin: string | undefined): Record<string, string> | undefined =>
    isAllowed(origin)
      ? {
          "access-control-allow-origin": origin,
          "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(", "),
          vary: "Origin",
        }
      : undefined;
  return {
    responseHeaders,
    preflightHeaders(origin) {
      if (!isAllowed(origin)) return undefined;
      return {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": methods.join(", "),
        "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
        "access-control-max-age": String(MAX_AGE_SECONDS),
        vary: "Origin",
      };
    },
  };
}
