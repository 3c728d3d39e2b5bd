import { createDb, type Db } from "@atendo/db";
import { ConfigError } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { SCHEMA } from "../../migrations/index.js";
import { createSigningKeys } from "../auth/signing-keys.js";
import { createSecretBox } from "../domain/secret-box.js";
import { createResealJob } from "../secrets/reseal-job.js";
import { ENTITIES } from "../store/entities.js";
import { type AdminConfig, loadAdminConfig } from "./admin-config.js";
import { changePlatformAdmin, listGrantedPlatformAdmins } from "./platform-admins.js";

export const USAGE = `usage: npm run admin -- <command>
  platform-admin grant <email>    make an existing account a platform admin (recorded with who ran it)
  platform-admin revoke <email>   take the grant back
  platform-admin list             the accounts granted platform admin
  secrets reseal                  re-seal channel secrets and signing keys with the first key of
                                  CHANNEL_SECRET_KEYS, so older keys of the ring can be dropped
environment: MIGRATION_DATABASE_URL (the atendo_owner role, as migrations use it), and for
secrets reseal CHANNEL_SECRET_KEYS and AUTH_ISSUER as the tenant service has them`;

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

/** The operator command (docs/operations.md): runs one command against the database as its owner. */
export async function runAdmin(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: AdminIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  const [group, command, email] = args;
  const known =
    (group === "platform-admin" &&
      (command === "list" || ((command === "grant" || command === "revoke") && email))) ||
    (group === "secrets" && command === "reseal");
  if (!known) {
    io.err(USAGE);
    return 2;
  }
  let config: AdminConfig;
  try {
    config = loadAdminConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  const db = await createDb({ url: config.ownerUrl, schema: SCHEMA, entities: ENTITIES, poolMax: 2 });
  try {
    if (group === "secrets") return await reseal(db, config, io, now);
    if (command === "list") {
      const admins = await db.withoutTenant(listGrantedPlatformAdmins);
      if (admins.length === 0) io.out("no account is granted platform admin");
      for (const a of admins) io.out(`${a.email}${a.verified ? "" : "  (email not verified)"}`);
      return 0;
    }
    const action = command === "grant" ? "grant" : "revoke";
    const outcome = await db.withoutTenant((em) =>
      changePlatformAdmin(em, { action, email: email ?? "", operator: config.operator, at: now() }),
    );
    if (outcome === undefined) {
      io.err(`no account has the email ${email}: the person signs up first, then you grant`);
      return 1;
    }
    const what = action === "grant" ? "granted platform admin to" : "revoked platform admin of";
    io.out(
      outcome.changed
        ? `${what} ${outcome.email} (user ${outcome.userId}); it applies at their next login or refresh`
        : `nothing to do: ${outcome.email} ${action === "grant" ? "already is" : "is not"} a platform admin by grant`,
    );
    if (action === "revoke" && config.platformAdminEmails.has(outcome.email)) {
      io.out(`note: PLATFORM_ADMIN_EMAILS still lists ${outcome.email}; remove it there as well`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

async function reseal(db: Db, config: AdminConfig, io: AdminIo, now: () => Date): Promise<number> {
  const ring = config.keyRing;
  const secretBox = createSecretBox(ring);
  const signingKeys = createSigningKeys({
    db,
    secretBox,
    issuer: config.issuer,
    activeSealingKeyId: ring.activeKeyId,
    graceS: 0,
    now,
  });
  const logger = createLogger({
    service: "tenant-admin",
    level: "warn",
    destination: { write: (line: string) => io.err(line.trimEnd()) },
  });
  const job = createResealJob({ db, ring, secretBox, signingKeys, logger });
  io.out(
    `re-sealing with key "${ring.activeKeyId}" what the keys ${JSON.stringify(ring.keyIds.slice(1))} sealed`,
  );
  const report = await job.run({
    onProgress: (p) => io.out(`channels: ${p.seen} looked at, ${p.resealed} re-sealed, ${p.failed} failed`),
  });
  io.out(
    `done: ${report.channels.resealed} channels and ${report.signingKeys.resealed} signing keys re-sealed, ` +
      `${report.channels.failed + report.signingKeys.failed} failed`,
  );
  // The ring's keys first (also when no row uses them any more), then any other key rows name.
  const counts = { ...Object.fromEntries(ring.keyIds.map((k) => [k, 0])), ...report.channelsByKey };
  for (const [keyId, count] of Object.entries(counts)) {
    const role =
      keyId === ring.activeKeyId ? "active" : ring.keyIds.includes(keyId) ? "older" : "not in the ring";
    io.out(`  key "${keyId}" (${role}): ${count} channels`);
  }
  const stillUsed = ring.keyIds.filter((k) => k !== ring.activeKeyId && (report.channelsByKey[k] ?? 0) > 0);
  io.out(
    stillUsed.length === 0 && report.signingKeys.failed === 0
      ? "no channel or signing key of this issuer needs the older keys any more: they can leave CHANNEL_SECRET_KEYS"
      : `keep ${JSON.stringify(stillUsed)} in CHANNEL_SECRET_KEYS: rows still need them (see the failures above)`,
  );
  return report.channels.failed + report.signingKeys.failed > 0 ? 1 : 0;
}
