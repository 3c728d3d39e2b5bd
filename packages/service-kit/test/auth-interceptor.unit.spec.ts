import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@atendo/proto/health/v1";
import { waitFor } from "@atendo/testing";
import type { Client } from "@connectrpc/connect";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { base64url, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { API_KEY_HEADER, errorInfoOf, INVALID_CREDENTIALS, NOT_ALLOWED } from "../src/index.js";
import type { Directory, GuardedServer, Ids } from "./support/auth-world.js";
import { createDirectory, newIds, startGuardedServer } from "./support/auth-world.js";
import { EchoService } from "./support/echo-service.js";
import { GuardedService } from "./support/guarded-service.js";
import { LEVEL } from "./support/log-sink.js";
import type { Outcome } from "./support/outcome.js";
import { bearer, codeOf, outcome, settle } from "./support/outcome.js";
import type { TestIssuer } from "./support/test-issuer.js";
import { startTestIssuer } from "./support/test-issuer.js";

// Every answer the auth path may give: a denied caller learns nothing else.
const GENERIC = new Set([INVALID_CREDENTIALS, NOT_ALLOWED, "workspace not found", "tenant not found"]);

describe("auth interceptor", () => {
  let issuer: TestIssuer;
  let ids: Ids;
  let directory: Directory;
  let s: GuardedServer;
  let client: Client<typeof GuardedService>;
  // Every refusal seen, with the ids the request carried: checked at the end for leaks.
  const refusals: Array<{ outcome: Outcome; sent: string[] }> = [];

  before(async () => {
    issuer = await startTestIssuer();
    ids = newIds();
    directory = createDirectory(ids);
    s = await startGuardedServer({ issuer, directory });
    client = createClient(GuardedService, createGrpcTransport({ baseUrl: s.baseUrl }));
  });
  after(async () => {
    await s.server.close();
    await issuer.close();
  });

  const call = async (
    method: "read" | "write" | "own" | "internal" | "operate" | "late" | "open",
    req: { workspaceId?: string; tenantId?: string },
    token?: string,
  ): Promise<Outcome> => {
    const result = await outcome(client[method](req, token === undefined ? {} : bearer(token)));
    if (!result.ok) refusals.push({ outcome: result, sent: Object.values(req) });
    return result;
  };
  const expectCode = async (p: Promise<Outcome>, code: string): Promise<Outcome> => {
    const o = await p;
    assert.equal(codeOf(o), code, o.ok ? "call succeeded" : `${codeOf(o)}: ${o.message}`);
    return o;
  };

  describe("credentials", () => {
    it("refuses a call without credentials, and never runs the handler", async () => {
      const runsBefore = s.calls.runs.read ?? 0;
      const o = await expectCode(call("read", { workspaceId: ids.wsA1 }), "unauthenticated");
      assert.equal(o.ok ? "" : o.message, INVALID_CREDENTIALS);
      assert.equal(s.calls.runs.read ?? 0, runsBefore);
    });

    it("refuses another scheme, a garbage token and a non-key in x-api-key", async () => {
      for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt", "Bearer a b"]) {
        const o = await outcome(client.read({ workspaceId: ids.wsA1 }, { headers: { authorization } }));
        assert.equal(codeOf(o), "unauthenticated", authorization);
      }
      const o = await outcome(
        client.read({ workspaceId: ids.wsA1 }, { headers: { [API_KEY_HEADER]: "secret" } }),
      );
      assert.equal(codeOf(o), "unauthenticated");
    });

    it("refuses an expired token, but accepts one within the 30 s clock skew", async () => {
      const user = { tenantId: ids.tenantA, role: "owner" };
      await expectCode(
        call("read", { workspaceId: ids.wsA1 }, await issuer.user(user, { expiresInS: -31 })),
        "unauthenticated",
      );
      await expectCode(
        call("read", { workspaceId: ids.wsA1 }, await issuer.user(user, { expiresInS: -20 })),
        "ok",
      );
    });

    it("refuses a tampered token: changed claims or signature", async () => {
      const token = await issuer.user({ tenantId: ids.tenantA, role: "agent" });
      const [header, payload, signature] = token.split(".");
      assert.ok(header !== undefined && payload !== undefined && signature !== undefined);
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<
        string,
        unknown
      >;
      const promoted = base64url.encode(JSON.stringify({ ...claims, role: "owner", tid: ids.tenantB }));
      await expectCode(
        call("read", { workspaceId: ids.wsB1 }, `${header}.${promoted}.${signature}`),
        "unauthenticated",
      );
      const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
      await expectCode(
        call("read", { workspaceId: ids.wsA1 }, `${header}.${payload}.${flipped}`),
        "unauthenticated",
      );
    });

    it("refuses alg confusion: HS256 keyed with the public key, and alg none", async () => {
      const claims = { tid: ids.tenantA, role: "owner" };
      const jwk = issuer.currentPublicJwk();
      const publicKeyBytes = new TextEncoder().encode(JSON.stringify(jwk));
      const hs = await new SignJWT(claims)
        .setProtectedHeader({
          alg: "HS256",
          typ: "at+jwt",
          ...(jwk.kid === undefined ? {} : { kid: jwk.kid }),
        })
        .setSubject(randomUUID())
        .setIssuer("atendo")
        .setAudience("atendo")
        .setIssuedAt()
        .setExpirationTime("10m")
        .setJti(randomUUID())
        .sign(publicKeyBytes);
      await expectCode(call("read", { workspaceId: ids.wsA1 }, hs), "unauthenticated");
      // The PEM of an Ed25519 key as the HMAC secret: the classic confusion attack.
      const { publicKey } = await generateKeyPair("EdDSA", { extractable: true });
      const pem = new TextEncoder().encode(await exportSPKI(publicKey));
      const hsPem = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
        .setSubject(randomUUID())
        .setIssuer("atendo")
        .setAudience("atendo")
        .setIssuedAt()
        .setExpirationTime("10m")
        .setJti(randomUUID())
        .sign(pem);
      await expectCode(call("read", { workspaceId: ids.wsA1 }, hsPem), "unauthenticated");

      const now = Math.floor(Date.now() / 1000);
      const none = [
        base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt" })),
        base64url.encode(
          JSON.stringify({
            ...claims,
            sub: randomUUID(),
            iss: "atendo",
            aud: "atendo",
            iat: now,
            exp: now + 600,
            jti: randomUUID(),
          }),
        ),
        "",
      ].join(".");
      await expectCode(call("read", { workspaceId: ids.wsA1 }, none), "unauthenticated");
    });

    it("refuses a wrong typ, a missing typ, a wrong issuer or audience", async () => {
      const user = { tenantId: ids.tenantA, role: "owner" };
      for (const options of [
        { typ: "JWT" },
        { typ: "refresh+jwt" },
        { issuer: "evil" },
        { audience: "other" },
      ]) {
        const o = await call("read", { workspaceId: ids.wsA1 }, await issuer.user(user, options));
        assert.equal(codeOf(o), "unauthenticated", JSON.stringify(options));
      }
      // A service token presented as a user token: its claims do not make a user.
      const asUser = await issuer.sign({ typ: "at+jwt", sub: "service:ingress", claims: {} });
      await expectCode(call("read", { workspaceId: ids.wsA1 }, asUser), "unauthenticated");
      const badRole = await issuer.user({ tenantId: ids.tenantA, role: "superuser" });
      await expectCode(call("read", { workspaceId: ids.wsA1 }, badRole), "unauthenticated");
    });

    it("checks credentials before validating the request: the schema is not revealed", async () => {
      await expectCode(call("read", { workspaceId: "not-a-uuid" }), "unauthenticated");
      const owner = await issuer.user({ tenantId: ids.tenantA, role: "owner" });
      const o = await expectCode(call("read", { workspaceId: "not-a-uuid" }, owner), "invalid_argument");
      assert.match(o.ok ? "" : o.message, /workspace_id/);
    });

    it("answers unavailable, not unauthenticated, when the signing keys cannot be fetched", async () => {
      // A fresh server has no keys yet; the JWKS endpoint is down.
      const fresh = await startGuardedServer({ issuer, directory });
      issuer.down = true;
      try {
        const c = createClient(GuardedService, createGrpcTransport({ baseUrl: fresh.baseUrl }));
        const token = await issuer.user({ tenantId: ids.tenantA, role: "owner" });
        assert.equal(codeOf(await outcome(c.read({ workspaceId: ids.wsA1 }, bearer(token)))), "unavailable");
        issuer.down = false;
        assert.equal(codeOf(await outcome(c.read({ workspaceId: ids.wsA1 }, bearer(token)))), "ok");
      } finally {
        issuer.down = false;
        await fresh.server.close();
      }
    });
  });

  describe("rules", () => {
    it("users: the role must be at least the rule's", async () => {
      const as = async (role: string) => issuer.user({ tenantId: ids.tenantA, role });
      await expectCode(call("write", { workspaceId: ids.wsA1 }, await as("agent")), "permission_denied");
      await expectCode(call("write", { workspaceId: ids.wsA1 }, await as("admin")), "ok");
      await expectCode(call("write", { workspaceId: ids.wsA1 }, await as("owner")), "ok");
      await expectCode(call("own", { tenantId: ids.tenantA }, await as("admin")), "permission_denied");
      const o = await expectCode(call("own", { tenantId: ids.tenantA }, await as("owner")), "ok");
      assert.equal(o.ok && o.principal?.role, "owner");
    });

    it("tenant target: another tenant does not exist for the caller", async () => {
      const owner = await issuer.user({ tenantId: ids.tenantA, role: "owner" });
      const o = await expectCode(call("own", { tenantId: ids.tenantB }, owner), "not_found");
      assert.equal(o.ok ? "" : o.message, "tenant not found");
    });

    it("workspace target: another tenant's is not_found, one of the tenant not allowed is permission_denied", async () => {
      const admin = await issuer.user({ tenantId: ids.tenantA, role: "admin" });
      const o = await expectCode(call("write", { workspaceId: ids.wsB1 }, admin), "not_found");
      assert.equal(o.ok ? "" : o.message, "workspace not found");
      await expectCode(call("write", { workspaceId: randomUUID() }, admin), "not_found");
      await expectCode(call("write", { workspaceId: "" }, admin), "not_found");

      const limited = await issuer.user({ tenantId: ids.tenantA, role: "agent", ws: [ids.wsA1] });
      await expectCode(call("read", { workspaceId: ids.wsA1 }, limited), "ok");
      await expectCode(call("read", { workspaceId: ids.wsA2 }, limited), "permission_denied");
      await expectCode(call("read", { workspaceId: ids.wsB1 }, limited), "not_found");
      const unlimited = await issuer.user({ tenantId: ids.tenantA, role: "agent" });
      const ok = await expectCode(call("read", { workspaceId: ids.wsA2 }, unlimited), "ok");
      assert.deepEqual(ok.ok && ok.principal?.workspaceIds, []);
    });

    it("API keys: need the scope and their own workspace", async () => {
      const reader = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"]);
      const writer = directory.addKey(ids.tenantA, ids.wsA1, ["things:read", "things:write"]);
      const o = await expectCode(call("read", { workspaceId: ids.wsA1 }, reader.key), "ok");
      assert.deepEqual(o.ok && o.principal, {
        kind: "api_key",
        apiKeyId: reader.id,
        tenantId: ids.tenantA,
        workspaceId: ids.wsA1,
        scopes: ["things:read"],
      });
      await expectCode(call("write", { workspaceId: ids.wsA1 }, reader.key), "permission_denied");
      await expectCode(call("write", { workspaceId: ids.wsA1 }, writer.key), "ok");
      // A key of another workspace of the same tenant, and of another tenant's workspace.
      await expectCode(call("read", { workspaceId: ids.wsA2 }, reader.key), "permission_denied");
      await expectCode(call("read", { workspaceId: ids.wsB1 }, reader.key), "not_found");
      // Rules without a scope refuse keys whatever they hold.
      await expectCode(call("own", { tenantId: ids.tenantA }, writer.key), "permission_denied");
      // x-api-key works like the Authorization header; an unknown key is unauthenticated.
      const viaHeader = await outcome(
        client.read({ workspaceId: ids.wsA1 }, { headers: { [API_KEY_HEADER]: reader.key } }),
      );
      assert.equal(codeOf(viaHeader), "ok");
      await expectCode(
        call("read", { workspaceId: ids.wsA1 }, `atd_live_${"x".repeat(12)}_${"y".repeat(43)}`),
        "unauthenticated",
      );
    });

    it("API keys: a revoked key stops working when its cached answer expires, or at once when evicted", async () => {
      const long = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"], 60_000);
      await expectCode(call("read", { workspaceId: ids.wsA1 }, long.key), "ok");
      const asked = directory.introspections;
      directory.keys.delete(long.key); // revoked at the tenant service
      await expectCode(call("read", { workspaceId: ids.wsA1 }, long.key), "ok");
      assert.equal(directory.introspections, asked, "served from the cache");
      s.apiKeys.evict(long.id); // what ApiKeyRevoked does
      await expectCode(call("read", { workspaceId: ids.wsA1 }, long.key), "unauthenticated");

      const short = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"], 100);
      await expectCode(call("read", { workspaceId: ids.wsA1 }, short.key), "ok");
      directory.keys.delete(short.key);
      const revokedAt = Date.now();
      await waitFor(
        async () => codeOf(await call("read", { workspaceId: ids.wsA1 }, short.key)) === "unauthenticated",
        { message: "the revocation to take effect" },
      );
      assert.ok(Date.now() - revokedAt < 1000, "within the answer's ttl");
    });

    it("visitors: only where the rule admits them, in their own workspace", async () => {
      const visitor = await issuer.visitor({ tenantId: ids.tenantA, workspaceId: ids.wsA1, verified: true });
      const o = await expectCode(call("read", { workspaceId: ids.wsA1 }, visitor), "ok");
      assert.equal(o.ok && o.principal?.kind, "visitor");
      assert.equal(o.ok && o.principal?.verified, true);
      await expectCode(call("write", { workspaceId: ids.wsA1 }, visitor), "permission_denied");
      await expectCode(call("read", { workspaceId: ids.wsA2 }, visitor), "permission_denied");
      await expectCode(call("read", { workspaceId: ids.wsB1 }, visitor), "not_found");
    });

    it("services: only the listed ones, and they pass target checks", async () => {
      const ingress = await issuer.service("ingress");
      const o = await expectCode(call("internal", {}, ingress), "ok");
      assert.deepEqual(o.ok && o.principal, { kind: "service", service: "ingress" });
      await expectCode(call("read", { workspaceId: ids.wsB1 }, ingress), "ok");
      await expectCode(call("internal", {}, await issuer.service("delivery")), "permission_denied");
      await expectCode(call("write", { workspaceId: ids.wsA1 }, ingress), "permission_denied");
      const owner = await issuer.user({ tenantId: ids.tenantA, role: "owner" });
      await expectCode(call("internal", {}, owner), "permission_denied");
    });

    it("platform admins: pass where the rule lists them, are ordinary users elsewhere", async () => {
      const padm = await issuer.user({ tenantId: ids.tenantA, role: "agent", padm: true });
      const o = await expectCode(call("operate", { tenantId: ids.tenantB }, padm), "ok");
      assert.equal(o.ok && o.principal?.platformAdmin, true);
      await expectCode(call("write", { workspaceId: ids.wsB1 }, padm), "not_found");
      await expectCode(call("write", { workspaceId: ids.wsA1 }, padm), "permission_denied");
      const owner = await issuer.user({ tenantId: ids.tenantA, role: "owner" });
      await expectCode(call("operate", { tenantId: ids.tenantA }, owner), "ok");
      await expectCode(call("operate", { tenantId: ids.tenantB }, owner), "not_found");
    });

    it("public rules pass without credentials and ignore bad ones; valid ones give a principal", async () => {
      const anonymous = await expectCode(call("open", {}), "ok");
      assert.equal(anonymous.ok && anonymous.principal, undefined);
      const garbage = await expectCode(call("open", {}, "garbage"), "ok");
      assert.equal(garbage.ok && garbage.principal, undefined);
      const expired = await issuer.user({ tenantId: ids.tenantA, role: "owner" }, { expiresInS: -600 });
      await expectCode(call("open", {}, expired), "ok");
      const valid = await expectCode(
        call("open", {}, await issuer.user({ tenantId: ids.tenantA, role: "owner" })),
        "ok",
      );
      assert.equal(valid.ok && valid.principal?.kind, "user");
    });

    it("refuses a method without a rule, and logs it as an error naming the method", async () => {
      const echo = createClient(EchoService, createGrpcTransport({ baseUrl: s.baseUrl }));
      const owner = await issuer.user({ tenantId: ids.tenantA, role: "owner", padm: true });
      const err = await echo.echo({ text: "x" }, bearer(owner)).then(
        () => assert.fail("the call must be refused"),
        (e: unknown) => ConnectError.from(e),
      );
      assert.equal(err.code, Code.PermissionDenied);
      assert.equal(err.rawMessage, NOT_ALLOWED);
      const logged = s.lines.find((l) => l.msg === "rpc has no authorization rule: refused");
      assert.equal(logged?.level, LEVEL.error);
      assert.equal(logged?.rpc, "kittest.v1.EchoService/Echo");
    });

    it("requireWorkspace checks a workspace the handler learns late", async () => {
      const agent = await issuer.user({ tenantId: ids.tenantA, role: "agent", ws: [ids.wsA1] });
      const o = await expectCode(call("late", { workspaceId: ids.wsA1 }, agent), "ok");
      assert.equal(o.ok && o.detail, ids.tenantA);
      await expectCode(call("late", { workspaceId: ids.wsA2 }, agent), "permission_denied");
      await expectCode(call("late", { workspaceId: ids.wsB1 }, agent), "not_found");
    });

    it("leaves probes open: grpc.health.v1 answers without credentials", async () => {
      const health = createClient(Health, createGrpcTransport({ baseUrl: s.baseUrl }));
      assert.equal((await health.check({ service: "" })).status, ServingStatus.SERVING);
    });
  });

  describe("streams", () => {
    it("client streams are checked on the first message, which the handler still receives", async () => {
      const admin = await issuer.user({ tenantId: ids.tenantA, role: "admin" });
      async function* messages(workspaceId: string) {
        yield { workspaceId, text: "one" };
        yield { workspaceId, text: "two" };
        yield { workspaceId, text: "three" };
      }
      const ok = await outcome(client.upload(messages(ids.wsA1), bearer(admin)));
      assert.equal(ok.ok && ok.detail, "one,two,three");

      const runs = s.calls.runs.upload ?? 0;
      const refused = await outcome(client.upload(messages(ids.wsB1), bearer(admin)));
      assert.equal(codeOf(refused), "not_found");
      const noCredentials = await outcome(client.upload(messages(ids.wsA1)));
      assert.equal(codeOf(noCredentials), "unauthenticated");
      const key = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"]);
      assert.equal(
        codeOf(await outcome(client.upload(messages(ids.wsA1), bearer(key.key)))),
        "permission_denied",
      );
      assert.equal(s.calls.runs.upload ?? 0, runs, "refused streams never reach the handler");

      // Over the Connect protocol on HTTP/1.1 too (what the edge speaks).
      const http1 = createClient(
        GuardedService,
        createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "1.1" }),
      );
      const viaHttp1 = await outcome(http1.read({ workspaceId: ids.wsA1 }, bearer(admin)));
      assert.equal(codeOf(viaHttp1), "ok");
    });

    it("server streams are checked before the handler runs", async () => {
      const agent = await issuer.user({ tenantId: ids.tenantA, role: "agent" });
      const got: string[] = [];
      for await (const res of client.watch({ workspaceId: ids.wsA1, text: "w" }, bearer(agent)))
        got.push(res.detail);
      assert.deepEqual(got, ["w:1", "w:2"]);

      const runs = s.calls.runs.watch ?? 0;
      const consume = (workspaceId: string, token?: string): Promise<string> =>
        settle(
          (async () => {
            for await (const _ of client.watch({ workspaceId }, token === undefined ? {} : bearer(token))) {
              // draining is enough
            }
          })(),
        );
      assert.equal(await consume(ids.wsB1, agent), "not_found");
      assert.equal(await consume(ids.wsA1), "unauthenticated");
      assert.equal(s.calls.runs.watch ?? 0, runs);
    });
  });

  // Last suite: runs after every other one has recorded its refusals.
  describe("what refusals reveal", () => {
    it("no credential ever reaches the logs, at any level", () => {
      const logged = JSON.stringify(s.lines);
      assert.ok(
        s.lines.some((l) => l.msg === "credentials refused"),
        "refusals are logged (debug)",
      );
      assert.ok(!logged.includes("eyJ"), "a JWT (base64 of '{\"') was logged");
      assert.ok(!logged.includes("atd_live_"), "an API key was logged");
    });

    it("refusals carry a generic message, no ids beyond the request's, and only their reason", () => {
      assert.ok(refusals.length > 20, `only ${refusals.length} refusals were recorded`);
      const known = [ids.tenantA, ids.tenantB, ids.wsA1, ids.wsA2, ids.wsB1];
      for (const { outcome: o, sent } of refusals) {
        assert.ok(!o.ok);
        if (o.code === Code.InvalidArgument) continue; // validation names the field, checked above
        assert.ok(GENERIC.has(o.message), `unexpected message: ${o.message}`);
        // The only detail is the ErrorInfo of a shared reason, whose metadata names no object.
        assert.equal(o.error.details.length, 1);
        const info = errorInfoOf(o.error);
        assert.equal(info?.domain, "atendo.common.v1");
        assert.ok(
          ["UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND", "UNAVAILABLE"].includes(info?.reason ?? ""),
          `reason ${info?.reason}`,
        );
        assert.ok(!("id" in (info?.metadata ?? {})), "a refusal names no id");
        const visible = JSON.stringify([o.message, o.error.details, [...o.error.metadata.entries()]]);
        for (const id of known) {
          if (!sent.includes(id)) assert.ok(!visible.includes(id), `leaked ${id}`);
        }
      }
    });
  });
});
