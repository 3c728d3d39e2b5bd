import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { waitFor } from "@atendo/testing";
import type { TokenVerifier } from "../src/index.js";
import { createJwksVerifier, createKeySetVerifier, InvalidCredentialsError } from "../src/index.js";
import type { TestIssuer } from "./support/test-issuer.js";
import { startTestIssuer } from "./support/test-issuer.js";

async function refusal(verifier: TokenVerifier, token: string): Promise<unknown> {
  return verifier.verify(token).then(
    () => assert.fail("the token must be refused"),
    (e: unknown) => e,
  );
}

describe("token verifiers", () => {
  let issuer: TestIssuer;
  beforeEach(async () => {
    issuer = await startTestIssuer();
  });
  afterEach(() => issuer.close());

  it("maps each token type to its principal", async () => {
    const verifier = createJwksVerifier({ jwksUrl: issuer.jwksUrl, issuer: "atendo" });
    const [userId, tenantId, ws] = [randomUUID(), randomUUID(), randomUUID()];
    assert.deepEqual(
      await verifier.verify(await issuer.user({ userId, tenantId, role: "admin", ws: [ws] })),
      {
        kind: "user",
        userId,
        tenantId,
        role: "admin",
        workspaceIds: [ws],
        platformAdmin: false,
      },
    );
    const visitor = {
      visitorId: "v-1",
      tenantId,
      workspaceId: ws,
      channelId: randomUUID(),
      sessionId: randomUUID(),
    };
    assert.deepEqual(await verifier.verify(await issuer.visitor(visitor)), {
      kind: "visitor",
      ...visitor,
      verified: false,
    });
    assert.deepEqual(await verifier.verify(await issuer.service("conversation")), {
      kind: "service",
      service: "conversation",
    });
    // The media type spelling of typ is the same type (RFC 8725).
    const spelled = await issuer.user({ userId, tenantId, role: "owner" }, { typ: "application/at+jwt" });
    assert.equal((await verifier.verify(spelled)).kind, "user");
  });

  it("refuses tokens whose claims do not make a principal", async () => {
    const verifier = createJwksVerifier({ jwksUrl: issuer.jwksUrl, issuer: "atendo" });
    const tid = randomUUID();
    const broken = [
      { typ: "at+jwt", sub: randomUUID(), claims: { role: "owner" } }, // no tid
      { typ: "at+jwt", sub: randomUUID(), claims: { tid, role: "root" } },
      { typ: "at+jwt", sub: randomUUID(), claims: { tid, role: "owner", ws: "all" } },
      { typ: "at+jwt", sub: randomUUID(), claims: { tid, role: "owner", padm: "yes" } },
      { typ: "visitor+jwt", sub: "v", claims: { tid, wsid: randomUUID(), chid: randomUUID() } }, // no sid
      { typ: "svc+jwt", sub: "ingress", claims: {} },
      { typ: "svc+jwt", sub: "service:", claims: {} },
      { typ: "JWT", sub: randomUUID(), claims: { tid, role: "owner" } },
    ];
    for (const spec of broken) {
      const e = await refusal(verifier, await issuer.sign(spec));
      assert.ok(e instanceof InvalidCredentialsError, JSON.stringify(spec));
    }
  });

  it("picks up a rotated key without a restart; the old one keeps working while published", async () => {
    const verifier = createJwksVerifier({ jwksUrl: issuer.jwksUrl, issuer: "atendo", cooldownMs: 0 });
    const old = await issuer.service("ai");
    assert.equal((await verifier.verify(old)).kind, "service");
    await verifier.verify(await issuer.service("ai"));
    assert.equal(issuer.fetches, 1, "the key set is cached");

    await issuer.rotate();
    const rotated = await issuer.user({ tenantId: randomUUID(), role: "agent" });
    assert.equal((await verifier.verify(rotated)).kind, "user");
    assert.equal(issuer.fetches, 2, "one refetch for the new kid");
    assert.equal((await verifier.verify(old)).kind, "service");
    assert.equal(issuer.fetches, 2);
  });

  it("refetches for an unknown kid at most once per cooldown", async () => {
    const verifier = createJwksVerifier({ jwksUrl: issuer.jwksUrl, issuer: "atendo", cooldownMs: 60_000 });
    await verifier.verify(await issuer.service("ai"));
    assert.equal(issuer.fetches, 1);
    await issuer.rotate({ publish: false });
    const unknownKid = await issuer.service("ai");
    for (let i = 0; i < 3; i++) {
      assert.ok((await refusal(verifier, unknownKid)) instanceof InvalidCredentialsError);
    }
    assert.equal(issuer.fetches, 1, "random kids cannot make a verifier hammer the tenant service");
  });

  it("keeps verifying with the known keys while the JWKS is down, and drops a retired key after a refresh", async () => {
    const verifier = createJwksVerifier({ jwksUrl: issuer.jwksUrl, issuer: "atendo", refreshMs: 1 });
    const token = await issuer.user({ tenantId: randomUUID(), role: "agent" });
    await verifier.verify(token);
    issuer.down = true;
    const fetchesBefore = issuer.fetches;
    // Each verification past refreshMs starts a background refresh; it fails, the cached keys stay.
    await waitFor(
      async () => {
        assert.equal((await verifier.verify(token)).kind, "user");
        return issuer.fetches > fetchesBefore;
      },
      { message: "a background refresh attempt" },
    );
    assert.equal((await verifier.verify(token)).kind, "user");

    issuer.down = false;
    const retiredKid = jwksKid(issuer, 0);
    await issuer.rotate();
    const signedByRetired = await issuer.sign({
      typ: "svc+jwt",
      sub: "service:ai",
      claims: {},
      kid: retiredKid,
    });
    issuer.retire(retiredKid);
    await waitFor(
      () =>
        verifier.verify(signedByRetired).then(
          () => false,
          (e: unknown) => e instanceof InvalidCredentialsError,
        ),
      { message: "the retired key to stop verifying" },
    );
  });

  it("tells an unreachable key set apart from a bad token", async () => {
    issuer.down = true;
    const verifier = createJwksVerifier({ jwksUrl: issuer.jwksUrl, issuer: "atendo" });
    const e = await refusal(verifier, await issuer.user({ tenantId: randomUUID(), role: "agent" }));
    assert.ok(!(e instanceof InvalidCredentialsError), "an outage is not the caller's fault");
  });

  it("createKeySetVerifier verifies with keys held in process, following their changes", async () => {
    let jwks = issuer.jwks();
    let reads = 0;
    const verifier = createKeySetVerifier({
      keys: async () => {
        reads++;
        return jwks;
      },
      issuer: "atendo",
    });
    const token = await issuer.user({ tenantId: randomUUID(), role: "owner", padm: true });
    const principal = await verifier.verify(token);
    assert.equal(principal.kind === "user" && principal.platformAdmin, true);
    assert.equal(reads, 1);
    assert.ok(
      (await refusal(
        verifier,
        await issuer.user({ tenantId: "t", role: "owner" }, { audience: "x" }),
      )) instanceof InvalidCredentialsError,
    );

    await issuer.rotate();
    const rotated = await issuer.service("tenant");
    assert.ok((await refusal(verifier, rotated)) instanceof InvalidCredentialsError);
    jwks = issuer.jwks();
    assert.deepEqual(await verifier.verify(rotated), { kind: "service", service: "tenant" });
    const other = createKeySetVerifier({ keys: async () => jwks, issuer: "someone-else" });
    assert.ok((await refusal(other, rotated)) instanceof InvalidCredentialsError);
  });
});

function jwksKid(issuer: TestIssuer, index: number): string {
  const kid = issuer.jwks().keys[index]?.kid;
  if (kid === undefined) throw new Error(`no key ${index}`);
  return kid;
}
