import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { afterCommit, type Db, type EntityManager } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import type { JSONWebKeySet, JWK } from "jose";
import type { SecretBox } from "../domain/secret-box.js";
import { activeKey, planRotation, publishedKeys } from "../domain/signing-key-schedule.js";
import { SigningKeyRow } from "../store/signing-key-row.js";

export interface SigningKeys {
  /**
   * At start: generates the first key when no key signs yet, and re-seals published keys with the
   * key ring's active key (so a rotated-out ring key can be dropped). Safe from several replicas.
   */
  ensure(): Promise<void>;
  /** The key that signs now. */
  signingKey(): Promise<{ kid: string; key: KeyObject }>;
  /** Every key not yet retired (pending ones included): what `/.well-known/jwks.json` serves. */
  jwks(): Promise<JSONWebKeySet>;
  /**
   * Re-seals every key of the issuer (retired ones included) that a key-ring key other than the
   * active one sealed, so that ring key can be dropped. Rows another replica is re-sealing are left
   * to it; a row whose ring key is missing or wrong is counted in `failed` and left as it is.
   */
  resealAll(): Promise<{ resealed: number; failed: number }>;
  /**
   * Publishes a new key that signs after the grace period and schedules the old ones' retirement,
   * in the caller's unit of work `em` (keys are global: any tenant's unit of work will do).
   */
  rotate(
    em: EntityManager,
    options: { compromised: boolean },
  ): Promise<{ newKid: string; activeFrom: Date; previousKid: string }>;
}

export interface SigningKeysDeps {
  db: Db;
  /** AUTH_ISSUER: the key set of this issuer. */
  issuer: string;
  secretBox: SecretBox;
  /** The key-ring key that seals now: published keys sealed with an older one are re-sealed at start. */
  activeSealingKeyId: string;
  graceS: number;
  now: () => Date;
  /** How long the key list is cached before another replica's rotation is read. */
  refreshMs?: number;
}

// Serialises key creation and rotation of one issuer across replicas (an arbitrary lock class).
const ROTATION_LOCK_CLASS = 7_101;

const sealContext = (kid: string) => `atendo.tenant.signing_key:${kid}`;

/** Ed25519 JWT signing keys stored in `tenant.signing_keys`, private halves sealed with the key ring. */
export function createSigningKeys(deps: SigningKeysDeps): SigningKeys {
  const { db, secretBox, now } = deps;
  const refreshMs = deps.refreshMs ?? 2_000;
  let cached: { rows: SigningKeyRow[]; at: number } | undefined;
  // The same key set object while the published kids stay the same (verifiers reuse it).
  let published: { kids: string; jwks: JSONWebKeySet } | undefined;
  const privateKeys = new Map<string, KeyObject>();

  const loadAll = (em: EntityManager) =>
    em.find(SigningKeyRow, { issuer: deps.issuer }, { orderBy: { activeFrom: "asc" } });
  const lock = (em: EntityManager) =>
    em.execute("select pg_advisory_xact_lock(?, hashtext(?))", [ROTATION_LOCK_CLASS, deps.issuer], "run");

  async function rows(): Promise<SigningKeyRow[]> {
    if (cached !== undefined && Date.now() - cached.at < refreshMs) return cached.rows;
    const fresh = await db.withoutTenant(loadAll);
    cached = { rows: fresh, at: Date.now() };
    return fresh;
  }

  function newKeyRow(activeFrom: Date) {
    const kid = randomBytes(12).toString("base64url");
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    const sealed = secretBox.seal(pkcs8, sealContext(kid));
    const jwk: JWK = { ...(publicKey.export({ format: "jwk" }) as JWK), kid, alg: "EdDSA", use: "sig" };
    return {
      kid,
      issuer: deps.issuer,
      algorithm: "EdDSA" as const,
      publicJwk: jwk,
      privateKey: sealed.ciphertext,
      keyId: sealed.keyId,
      createdAt: now(),
      activeFrom,
      retireAfter: null,
    };
  }

  function unseal(row: SigningKeyRow): string {
    try {
      return secretBox.open({ keyId: row.keyId, ciphertext: row.privateKey }, sealContext(row.kid));
    } catch (err) {
      throw new Error(
        `signing key "${row.kid}" cannot be opened (${(err as Error).message}): keep its key in CHANNEL_SECRET_KEYS`,
        { cause: err },
      );
    }
  }

  function privateKeyOf(row: SigningKeyRow): KeyObject {
    const known = privateKeys.get(row.kid);
    if (known !== undefined) return known;
    const der = unseal(row);
    const key = createPrivateKey({ key: Buffer.from(der, "base64"), format: "der", type: "pkcs8" });
    privateKeys.set(row.kid, key);
    return key;
  }

  return {
    async ensure() {
      await db.withoutTenant(async (em) => {
        await lock(em);
        const all = await loadAll(em);
        if (activeKey(all, now()) === undefined) em.create(SigningKeyRow, newKeyRow(now()));
        for (const row of publishedKeys(all, now())) {
          if (row.keyId === deps.activeSealingKeyId) continue;
          const sealed = secretBox.seal(unseal(row), sealContext(row.kid));
          row.privateKey = sealed.ciphertext;
          row.keyId = sealed.keyId;
        }
      });
      cached = undefined;
    },

    async resealAll() {
      const outcome = await db.withoutTenant(async (em) => {
        const rows = await em.find(
          SigningKeyRow,
          { issuer: deps.issuer, keyId: { $ne: deps.activeSealingKeyId } },
          { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
        );
        let resealed = 0;
        let failed = 0;
        for (const row of rows) {
          let der: string;
          try {
            der = unseal(row);
          } catch {
            failed++;
            continue;
          }
          const sealed = secretBox.seal(der, sealContext(row.kid));
          row.privateKey = sealed.ciphertext;
          row.keyId = sealed.keyId;
          resealed++;
        }
        return { resealed, failed };
      });
      cached = undefined;
      return outcome;
    },

    async signingKey() {
      let row = activeKey(await rows(), now());
      if (row === undefined) {
        // Another replica may have just rotated; read again before giving up.
        cached = undefined;
        row = activeKey(await rows(), now());
      }
      if (row === undefined) throw new Error("no signing key is active");
      return { kid: row.kid, key: privateKeyOf(row) };
    },

    async jwks() {
      const keys = publishedKeys(await rows(), now());
      const kids = keys.map((k) => k.kid).join(",");
      if (published?.kids !== kids) published = { kids, jwks: { keys: keys.map((r) => r.publicJwk) } };
      return published.jwks;
    },

    async rotate(em, { compromised }) {
      await lock(em);
      const all = await loadAll(em);
      const at = now();
      const previousKid = activeKey(all, at)?.kid ?? "";
      const plan = planRotation(all, at, { graceS: deps.graceS, compromised });
      for (const { kid, retireAfter } of plan.retire) {
        const row = all.find((r) => r.kid === kid);
        if (row !== undefined) row.retireAfter = retireAfter;
      }
      const created = em.create(SigningKeyRow, newKeyRow(plan.activeFrom));
      // The key list is read again once the new key is visible to every reader.
      afterCommit(em, () => {
        cached = undefined;
      });
      return { newKid: created.kid, activeFrom: plan.activeFrom, previousKid };
    },
  };
}
