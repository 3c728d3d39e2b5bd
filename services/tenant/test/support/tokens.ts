// Reading and forging the tenant service's tokens, for tests of what it signs and what it refuses.
import { randomBytes } from "node:crypto";
import { adminQuery } from "@atendo/testing";
import { decodeProtectedHeader, importPKCS8, type JWTPayload, SignJWT } from "jose";
import { parseKeyRing } from "../../src/domain/key-ring.js";
import { createSecretBox } from "../../src/domain/secret-box.js";
import type { TenantHarness } from "./start-tenant.js";

/** The payload of a JWT (no verification: tests check what was signed). */
export function claimsOf(token: string): JWTPayload {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as JWTPayload;
}

export const headerOf = (token: string) => decodeProtectedHeader(token);

// The development key ring the harness runs with (config.ts): tests may open what the service sealed.
const DEV_RING = "dev:YXRlbmRvLWxvY2FsLWRldi1rZXktbm90LXNlY3JldCE=";

/**
 * Signs a token with the service's own active key, read back from the database: how tests make
 * tokens the service must refuse for their claims (expired, wrong typ), not their signature.
 */
export async function signWithServiceKey(
  h: TenantHarness,
  header: { typ: string },
  claims: JWTPayload & { sub: string },
  times: { iat: number; exp: number },
): Promise<string> {
  const [row] = await adminQuery<{ kid: string; private_key: Buffer; key_id: string }>(
    `select kid, private_key, key_id from tenant.signing_keys where issuer = $1 and active_from <= now()
      order by active_from desc limit 1`,
    [`atendo-test-${h.namespace}`],
  );
  if (row === undefined) throw new Error("the service has no signing key");
  const der = createSecretBox(parseKeyRing(DEV_RING)).open(
    { keyId: row.key_id, ciphertext: row.private_key },
    `atendo.tenant.signing_key:${row.kid}`,
  );
  const pem = `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----`;
  const key = await importPKCS8(pem, "EdDSA");
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "EdDSA", typ: header.typ, kid: row.kid })
    .setIssuer(`atendo-test-${h.namespace}`)
    .setAudience("atendo")
    .setIssuedAt(times.iat)
    .setExpirationTime(times.exp)
    .setJti(randomBytes(8).toString("hex"))
    .sign(key);
}
