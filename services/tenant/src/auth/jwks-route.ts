import { createHash } from "node:crypto";
import { type HttpHook, pathOf, sendText } from "@atendo/service-kit";
import type { SigningKeys } from "./signing-keys.js";

export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * `GET /.well-known/jwks.json`: every published key. Caches may keep it for half the publish grace
 * (capped at 5 minutes), so a key published now is seen everywhere before it signs; verifiers also
 * refetch on an unknown kid. The ETag lets them revalidate cheaply.
 */
export function createJwksRoute(deps: { keys: SigningKeys; graceS: number }): HttpHook {
  const maxAge = Math.min(Math.floor(deps.graceS / 2), 300);
  return async (req, res) => {
    if (pathOf(req) !== JWKS_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendText(res, 405, "method not allowed");
      return true;
    }
    const body = JSON.stringify(await deps.keys.jwks());
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    res.setHeader("cache-control", `public, max-age=${maxAge}`);
    res.setHeader("etag", etag);
    if (req.headers["if-none-match"] === etag) {
      res.statusCode = 304;
      res.end();
      return true;
    }
    if (req.method === "HEAD") {
      res.statusCode = 200;
      res.setHeader("content-type", "application/jwk-set+json");
      res.end();
      return true;
    }
    sendText(res, 200, body, "application/jwk-set+json");
    return true;
  };
}
