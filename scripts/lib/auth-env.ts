// The identity settings every process of one product run must agree on: each service's credential
// (and the tenant service's list of them), the token issuer, the platform admins, and the key that
// seals ingress's channel cache. `npm run dev` uses the well-known development values; end-to-end
// tests draw fresh ones per run, so a service that ignored its variables would fail them.
import { randomBytes } from "node:crypto";
import { devServiceCredential } from "@atendo/service-kit";
import { DEMO } from "./seed.js";
import type { ServiceName } from "./stack.js";
import { SERVICES } from "./stack.js";

export interface AuthEnv {
  /** SERVICE_CREDENTIAL of each service; the tenant service gets them all as SERVICE_CREDENTIALS. */
  credentials: Readonly<Record<ServiceName, string>>;
  /** AUTH_ISSUER: the `iss` of every token (the tenant service keeps signing keys per issuer). */
  issuer: string;
  /** PLATFORM_ADMIN_EMAILS of the tenant service. */
  platformAdminEmails: readonly string[];
  /** CHANNEL_CACHE_KEY of ingress: base64 of 32 bytes. */
  channelCacheKey: string;
}

/** ingress's own development default (services/ingress/src/config.ts): "atendo-ingress-dev-channel-cache". */
const DEV_CHANNEL_CACHE_KEY = Buffer.from("atendo-ingress-dev-channel-cache").toString("base64");

/** Local development: the credentials the services would derive themselves outside production. */
export function devAuthEnv(): AuthEnv {
  return {
    credentials: Object.fromEntries(SERVICES.map((s) => [s, devServiceCredential(s)])) as Record<
      ServiceName,
      string
    >,
    issuer: "atendo",
    platformAdminEmails: [DEMO.adminEmail],
    channelCacheKey: DEV_CHANNEL_CACHE_KEY,
  };
}

/** One test run: random credentials and cache key, an issuer of its own (its own signing keys). */
export function randomAuthEnv(run: string, platformAdminEmails: readonly string[]): AuthEnv {
  return {
    credentials: Object.fromEntries(
      SERVICES.map((s) => [s, `${s}-${randomBytes(24).toString("base64url")}`]),
    ) as Record<ServiceName, string>,
    issuer: `atendo-${run}`,
    platformAdminEmails,
    channelCacheKey: randomBytes(32).toString("base64"),
  };
}

/** The auth variables of one service. */
export function authVariables(name: ServiceName, auth: AuthEnv): Record<string, string> {
  const env: Record<string, string> = {
    SERVICE_CREDENTIAL: auth.credentials[name],
    AUTH_ISSUER: auth.issuer,
  };
  if (name === "tenant") {
    env.SERVICE_CREDENTIALS = SERVICES.map((s) => `${s}:${auth.credentials[s]}`).join(",");
    env.PLATFORM_ADMIN_EMAILS = auth.platformAdminEmails.join(",");
  }
  if (name === "ingress") env.CHANNEL_CACHE_KEY = auth.channelCacheKey;
  return env;
}
