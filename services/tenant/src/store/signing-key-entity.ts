import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import type { JWK } from "jose";

/** A JWT signing key (global, not tenant-scoped). */
export const SigningKeyEntity = defineEntity({
  name: "SigningKeyEntity",
  tableName: "signing_keys",
  properties: {
    kid: p.text().primary(),
    /** The `iss` of the tokens it signs: each issuer has its own keys. */
    issuer: p.text(),
    algorithm: p.enum(["EdDSA"] as const),
    publicJwk: p.json<JWK>(),
    /** PKCS#8 of the private key, sealed with the key ring (AES-256-GCM, bound to the kid). */
    privateKey: p.blob(),
    /** The key-ring key that sealed `privateKey`. */
    keyId: p.text(),
    createdAt: p.datetime(),
    /** It signs from then on (until a newer key is active). */
    activeFrom: p.datetime(),
    /** It leaves the JWKS then; null while not scheduled. */
    retireAfter: p.datetime().nullable(),
  },
});
export type SigningKeyEntity = InferEntity<typeof SigningKeyEntity>;
