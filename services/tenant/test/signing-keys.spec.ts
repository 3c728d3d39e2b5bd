import assert from "node:assert/strict";
import { adminQuery, connectErrorOf, waitFor } from "@atendo/testing";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { JSONWebKeySet } from "jose";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { headerOf } from "./support/tokens.js";

const GRACE_S = 3;

describe("signing keys: JWKS and rotation", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({ SIGNING_KEY_PUBLISH_GRACE_S: String(GRACE_S) });
  });
  after(async () => {
    await h?.stop();
  });

  const jwks = async (): Promise<JSONWebKeySet> => {
    const res = await fetch(`${h.url}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    return (await res.json()) as JSONWebKeySet;
  };
  const kids = async () => (await jwks()).keys.map((k) => k.kid).sort();
  const login = async () =>
    (await h.anonymous.auth.login({ email: h.admin.email, password: h.admin.password }, fromNewIp())).tokens
      ?.accessToken ?? "";
  const works = async (token: string) => {
    try {
      await h.as(token).auth.getCurrentUser({});
      return true;
    } catch {
      return false;
    }
  };

  it("serves the public keys with cache headers, and only public parts", async () => {
    const res = await fetch(`${h.url}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/jwk-set+json");
    assert.equal(res.headers.get("cache-control"), `public, max-age=${Math.floor(GRACE_S / 2)}`);
    const etag = res.headers.get("etag");
    assert.ok(etag);
    const body = (await res.json()) as JSONWebKeySet;
    assert.equal(body.keys.length, 1);
    const [key] = body.keys;
    assert.deepEqual(
      { kty: key?.kty, crv: key?.crv, alg: key?.alg, use: key?.use, d: key?.d },
      { kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", d: undefined },
    );
    assert.equal(headerOf(h.admin.accessToken).kid, key?.kid);
    const again = await fetch(`${h.url}/.well-known/jwks.json`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${h.url}/.well-known/jwks.json`, { method: "POST" })).status, 405);
  });

  it("publishes a new key at once, signs with it after the grace, keeps the old one until its tokens expired", async () => {
    const [first] = await kids();
    assert.ok(first);
    const oldToken = await login();
    assert.equal(headerOf(oldToken).kid, first);

    const rotated = await h.auth.rotateSigningKey({});
    assert.equal(rotated.previousKeyId, first);
    const activeFrom = timestampDate(
      rotated.activeFrom ?? { seconds: 0n, nanos: 0, $typeName: "google.protobuf.Timestamp" },
    );
    assert.ok(Math.abs(activeFrom.getTime() - (Date.now() + GRACE_S * 1000)) < 1500);
    // Published now, while the old key still signs.
    assert.deepEqual(await kids(), [first, rotated.newKeyId].sort());
    const during = await login();
    assert.ok(Date.now() < activeFrom.getTime(), "the login took the whole grace period");
    assert.equal(headerOf(during).kid, first);

    const signedByNew = await waitFor(
      async () => {
        const token = await login();
        return headerOf(token).kid === rotated.newKeyId ? token : undefined;
      },
      { timeoutMs: GRACE_S * 1000 + 5000, intervalMs: 200, message: "a token signed by the new key" },
    );
    assert.ok(Date.now() >= activeFrom.getTime() - 50);
    assert.ok(await works(signedByNew));
    // Tokens of the old key keep verifying: the old key is published until the longest token expired.
    assert.ok(await works(oldToken));
    assert.deepEqual(await kids(), [first, rotated.newKeyId].sort());
    const [retire] = await adminQuery<{ days: number }>(
      "select extract(epoch from retire_after - $2::timestamptz) / 86400 as days from tenant.signing_keys where kid = $1",
      [first, activeFrom],
    );
    assert.equal(Math.round(Number(retire?.days)), 30);

    // Once that time has come (moved here instead of waited for), the old key and its tokens are gone.
    await adminQuery(
      "update tenant.signing_keys set retire_after = now() - interval '1 second' where kid = $1",
      [first],
    );
    await waitFor(async () => !(await kids()).includes(first), { message: "the old key to leave the JWKS" });
    await waitFor(async () => !(await works(oldToken)), { message: "the old key's token to be refused" });
    assert.ok(await works(signedByNew));
  });

  it("retires a compromised key as soon as its successor signs", async () => {
    const current = await login();
    const currentKid = headerOf(current).kid;
    const rotated = await h.as(current).auth.rotateSigningKey({ compromised: true });
    assert.equal(rotated.previousKeyId, currentKid);
    const [row] = await adminQuery<{ same: boolean }>(
      `select old.retire_after = new.active_from as same
         from tenant.signing_keys old, tenant.signing_keys new where old.kid = $1 and new.kid = $2`,
      [currentKid, rotated.newKeyId],
    );
    assert.equal(row?.same, true);
    assert.ok((await kids()).includes(rotated.newKeyId));
    await waitFor(async () => !(await works(current)), {
      timeoutMs: GRACE_S * 1000 + 5000,
      intervalMs: 200,
      message: "tokens of the compromised key to be refused once the new key signs",
    });
    assert.deepEqual(await kids(), [rotated.newKeyId]);
    assert.equal(headerOf(await login()).kid, rotated.newKeyId);
  });

  it("lets platform admins only rotate", async () => {
    const owner = await h.identity.signUpOwner();
    const before = await kids();
    const err = await connectErrorOf(owner.clients.auth.rotateSigningKey({}));
    assert.equal(err.code, Code.PermissionDenied);
    assert.equal((await connectErrorOf(h.anonymous.auth.rotateSigningKey({}))).code, Code.Unauthenticated);
    assert.deepEqual(await kids(), before);
  });
});
