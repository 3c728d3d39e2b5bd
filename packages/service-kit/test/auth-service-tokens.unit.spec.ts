import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { waitFor } from "@atendo/testing";
import type { IssuedToken } from "../src/index.js";
import {
  createServiceClient,
  createServiceTokenSource,
  forwardCallOptions,
  withCorrelationId,
} from "../src/index.js";
import type { Directory, GuardedServer, Ids } from "./support/auth-world.js";
import { createDirectory, newIds, startGuardedServer } from "./support/auth-world.js";
import { GuardedService } from "./support/guarded-service.js";
import { bearer, codeOf, outcome } from "./support/outcome.js";
import type { TestIssuer } from "./support/test-issuer.js";
import { startTestIssuer } from "./support/test-issuer.js";

const MINUTE = 60_000;

/** issue() calls the test answers by hand. */
function scriptedIssuer() {
  const pending: Array<{ resolve: (t: IssuedToken) => void; reject: (e: Error) => void }> = [];
  let calls = 0;
  return {
    issue: () =>
      new Promise<IssuedToken>((resolve, reject) => {
        calls++;
        pending.push({ resolve, reject });
      }),
    get calls() {
      return calls;
    },
    get waiting() {
      return pending.length;
    },
    answer(token: string, expiresAt: number) {
      pending.shift()?.resolve({ token, expiresAt: new Date(expiresAt) });
    },
    fail() {
      pending.shift()?.reject(new Error("tenant service unavailable"));
    },
  };
}

describe("service token source", () => {
  it("makes one request however many calls wait, and reuses the token while fresh", async () => {
    let now = Date.now();
    const scripted = scriptedIssuer();
    const source = createServiceTokenSource({ issue: scripted.issue, now: () => now });
    const waiting = Promise.all([source.token(), source.token(), source.token()]);
    await waitFor(() => scripted.waiting === 1, { message: "the issue request" });
    scripted.answer("t1", now + 15 * MINUTE);
    assert.deepEqual(await waiting, ["t1", "t1", "t1"]);
    now += 12 * MINUTE;
    assert.equal(await source.token(), "t1");
    assert.equal(scripted.calls, 1);
  });

  it("renews before expiry in the background, still handing out the current token", async () => {
    let now = Date.now();
    const scripted = scriptedIssuer();
    const source = createServiceTokenSource({
      issue: scripted.issue,
      now: () => now,
      renewBeforeMs: 2 * MINUTE,
    });
    const first = source.token();
    await waitFor(() => scripted.waiting === 1, { message: "the first issue" });
    scripted.answer("t1", now + 15 * MINUTE);
    assert.equal(await first, "t1");

    now += 13 * MINUTE + 1; // inside the renewal window
    assert.equal(await source.token(), "t1", "no caller waits for the renewal");
    await waitFor(() => scripted.waiting === 1, { message: "the renewal" });
    assert.equal(await source.token(), "t1", "one renewal at a time");
    assert.equal(scripted.calls, 2);
    scripted.answer("t2", now + 15 * MINUTE);
    await waitFor(async () => (await source.token()) === "t2", { message: "the renewed token" });

    now += 16 * MINUTE; // expired: callers wait for a new one
    const late = source.token();
    await waitFor(() => scripted.waiting === 1, { message: "the issue after expiry" });
    scripted.answer("t3", now + 15 * MINUTE);
    assert.equal(await late, "t3");
  });

  it("retries a failed issue with growing backoff until it succeeds", async () => {
    const attempts: number[] = [];
    const source = createServiceTokenSource({
      issue: async () => {
        attempts.push(performance.now());
        if (attempts.length < 3) throw new Error("tenant service unavailable");
        return { token: "t", expiresAt: new Date(Date.now() + 15 * MINUTE) };
      },
      minBackoffMs: 20,
    });
    assert.equal(await source.token(), "t");
    assert.equal(attempts.length, 3);
    const [a = 0, b = 0, c = 0] = attempts;
    assert.ok(b - a >= 15, `first retry after ${b - a} ms`);
    assert.ok(c - b >= 35, `second retry after ${c - b} ms`);
  });

  it("lets a caller give up, forgets a refused token, and fails waiting calls on close", async () => {
    const scripted = scriptedIssuer();
    const source = createServiceTokenSource({
      issue: scripted.issue,
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
    });
    await assert.rejects(source.token(AbortSignal.timeout(20)), { name: "TimeoutError" });
    assert.equal(scripted.calls, 1);
    scripted.answer("t1", Date.now() + 15 * MINUTE);
    assert.equal(await source.token(), "t1");

    source.invalidate("not-the-current-one");
    assert.equal(await source.token(), "t1");
    source.invalidate("t1");
    const next = source.token();
    await waitFor(() => scripted.waiting === 1, { message: "a new issue after invalidate" });
    scripted.fail(); // now in a 60 s backoff
    source.close();
    await assert.rejects(next, /closed/);
  });
});

describe("credentials on outgoing calls", () => {
  let issuer: TestIssuer;
  let ids: Ids;
  let directory: Directory;
  let back: GuardedServer;
  let front: GuardedServer;
  let issued: string[];

  before(async () => {
    issuer = await startTestIssuer();
    ids = newIds();
    directory = createDirectory(ids);
    back = await startGuardedServer({ issuer, directory });
    issued = [];
    const serviceTokens = createServiceTokenSource({
      issue: async () => {
        const token = await issuer.service("ingress");
        issued.push(token);
        return { token, expiresAt: new Date(Date.now() + 15 * MINUTE) };
      },
    });
    const backClient = createServiceClient(GuardedService, back.baseUrl, { credentials: serviceTokens });
    front = await startGuardedServer({
      issuer,
      directory,
      relay: (req, ctx) => backClient.read(req, forwardCallOptions(ctx)),
    });
  });
  after(async () => {
    await front.server.close();
    await back.server.close();
    await issuer.close();
  });

  it("a call made for a request forwards the caller's credential, not the service token", async () => {
    const client = createServiceClient(GuardedService, front.baseUrl);
    const userId = randomUUID();
    const user = await issuer.user({ userId, tenantId: ids.tenantA, role: "agent" });
    const o = await outcome(client.relay({ workspaceId: ids.wsA1 }, bearer(user)));
    assert.equal(o.ok && o.principal?.userId, userId, "the back saw the user");

    const key = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"]);
    const viaKey = await outcome(
      client.relay({ workspaceId: ids.wsA1 }, { headers: { "x-api-key": key.key } }),
    );
    assert.equal(viaKey.ok && viaKey.principal?.apiKeyId, key.id);
    assert.deepEqual(issued, [], "no service token was needed");
  });

  it("a call made on the service's own behalf sends the service token, fetched once", async () => {
    const serviceTokens = createServiceTokenSource({
      issue: async () => {
        const token = await issuer.service("ingress");
        issued.push(token);
        return { token, expiresAt: new Date(Date.now() + 15 * MINUTE) };
      },
    });
    const client = createServiceClient(GuardedService, back.baseUrl, { credentials: serviceTokens });
    const issuedBefore = issued.length;
    const o = await outcome(client.internal({}, withCorrelationId("evt-1")));
    assert.deepEqual(o.ok && o.principal, { kind: "service", service: "ingress" });
    assert.equal(codeOf(await outcome(client.read({ workspaceId: ids.wsB1 }))), "ok");
    assert.equal(issued.length, issuedBefore + 1);
    // Without a token source nothing is sent.
    const bare = createServiceClient(GuardedService, back.baseUrl);
    assert.equal(codeOf(await outcome(bare.internal({}))), "unauthenticated");
  });

  it("replaces a service token the server refuses", async () => {
    const tokens = [
      await issuer.service("ingress", { issuer: "retired-issuer" }),
      await issuer.service("ingress"),
    ];
    let calls = 0;
    const serviceTokens = createServiceTokenSource({
      issue: async () => ({ token: tokens[calls++] ?? "", expiresAt: new Date(Date.now() + 15 * MINUTE) }),
    });
    const client = createServiceClient(GuardedService, back.baseUrl, { credentials: serviceTokens });
    assert.equal(codeOf(await outcome(client.internal({}))), "unauthenticated");
    assert.equal(codeOf(await outcome(client.internal({}))), "ok");
    assert.equal(calls, 2);
  });
});
