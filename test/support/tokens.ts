// A genuinely signed but expired access token: signed with the tenant service's own active key
// (read from the test database and unsealed with the local key ring, as the service does), with
// `exp` in the past. Equivalent to keeping a real token for 15 minutes, without the wait.
import { randomBytes } from "node:crypto";
import { loadConfig as tenantConfig } from "@atendo/tenant";
import { adminQuery, testEnv } from "@atendo/testing";
import { importPKCS8, SignJWT } from "jose";
import { createSecretBox } from "../../services/tenant/src/domain/secret-box.js";

export async function signExpired(
  issuer: string,
  token: { typ: string; sub: string; claims: Record<string, unknown> },
): Promise<string> {
  const env = testEnv();
  const { channelSecretKeys } = tenantConfig({
    DATABASE_URL: env.appUrl("tenant"),
    REDIS_URL: env.redisUrl,
    NATS_URL: env.natsUrl,
  });
  const [row] = await adminQuery<{ kid: string; private_key: Buffer; key_id: string }>(
    `select kid, private_key, key_id from tenant.signing_keys
      where issuer = $1 and active_from <= now() order by active_from desc limit 1`,
    [issuer],
  );
  if (row === undefined) throw new Error(`no signing key of ${issuer}`);
  const der = createSecretBox(channelSecretKeys).open(
    { keyId: row.key_id, ciphertext: row.private_key },
    `atendo.tenant.signing_key:${row.kid}`,
  );
  const key = await importPKCS8(`-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----`, "EdDSA");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(token.claims)
    .setProtectedHeader({ alg: "EdDSA", typ: token.typ, kid: row.kid })
    .setSubject(token.sub)
    .setIssuer(issuer)
    .setAudience("atendo")
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 120)
    .setJti(randomBytes(8).toString("hex"))
    .sign(key);
}
