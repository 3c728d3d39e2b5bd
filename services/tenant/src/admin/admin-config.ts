import { hostname, userInfo } from "node:os";
import { ConfigError, readConfig, secret, str, url } from "@atendo/service-kit";
import { channelKeyRingOf } from "../config.js";
import { normalizeEmail } from "../domain/email.js";
import type { KeyRing } from "../domain/key-ring.js";

const spec = {
  NODE_ENV: str("the runtime environment; production requires real keys").default("development"),
  MIGRATION_DATABASE_URL: url(
    "the Postgres URL of the schema owner role (atendo_owner), as migrations use it",
    { protocols: ["postgres:", "postgresql:"] },
  ),
  CHANNEL_SECRET_KEYS: secret("the tenant service's key ring, the first key active").optional(),
  AUTH_ISSUER: str("the `iss` whose signing keys are re-sealed").default("atendo"),
  PLATFORM_ADMIN_EMAILS: str("the tenant service's list, to say when a revocation leaves one").optional(),
  ATENDO_OPERATOR: str("who runs the command, as the ledger records it; default <os user>@<host>").optional(),
};

/** What the operator command needs: the owner's database URL and, for re-sealing, the key ring. */
export interface AdminConfig {
  ownerUrl: string;
  keyRing: KeyRing;
  issuer: string;
  platformAdminEmails: ReadonlySet<string>;
  operator: string;
}

export function loadAdminConfig(env: Readonly<Record<string, string | undefined>>): AdminConfig {
  const raw = readConfig(spec, env);
  const problems: string[] = [];
  const keyRing = channelKeyRingOf(raw.CHANNEL_SECRET_KEYS, raw.NODE_ENV === "production", problems);
  if (problems.length > 0 || keyRing === undefined) throw new ConfigError(problems);
  return {
    ownerUrl: raw.MIGRATION_DATABASE_URL,
    keyRing,
    issuer: raw.AUTH_ISSUER,
    platformAdminEmails: new Set(
      (raw.PLATFORM_ADMIN_EMAILS ?? "")
        .split(",")
        .map(normalizeEmail)
        .filter((e) => e !== ""),
    ),
    operator: raw.ATENDO_OPERATOR ?? `${userInfo().username}@${hostname()}`,
  };
}
