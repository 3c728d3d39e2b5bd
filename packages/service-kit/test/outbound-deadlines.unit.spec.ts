import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { waitFor } from "@atendo/testing";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createJwksVerifier,
  createServiceClient,
  createTenantAuth,
  InvalidCredentialsError,
} from "../src/index.js";
import { EchoService } from "./support/echo-service.js";
import { createLogSink } from "./support/log-sink.js";
import { type SilentServer, startSilentH2Server, startSilentServer } from "./support/silent-server.js";
import type { TestIssuer } from "./support/test-issuer.js";
import { startTestIssuer } from "./support/test-issuer.js";

const DEADLINE_MS = 300;
// What a deadline may overrun by on a loaded machine before it counts as missed.
const SLACK_MS = 1200;

/** Runs `work`, expects it to fail, and returns how long it took and what it threw. */
async function failureOf(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work();
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
  throw new Error("expected a failure");
}

function assertWithinDeadline(ms: number, what: string): void {
  assert.ok(ms >= DEADLINE_MS - 20 && ms < DEADLINE_MS + SLACK_MS, `${what} failed after ${ms} ms`);
}

describe("every outbound call has a deadline (servers that never answer)", () => {
  let silent: SilentServer;
  let silentH2: SilentServer;
  let issuer: TestIssuer;

  before(async () => {
    silent = await startSilentServer();
    silentH2 = await startSilentH2Server();
    issuer = await startTestIssuer();
  });
  after(async () => {
    await silent.close();
    await silentH2.close();
    await issuer.close();
  });

  it("service clients: a call to a peer that accepts and stays silent ends at its deadline", async () => {
    const client = createServiceClient(EchoService, silent.url, { timeoutMs: DEADLINE_MS });
    const { ms, error } = await failureOf(() => client.echo({ text: "anyone?" }));
    assert.equal(ConnectError.from(error).code, Code.DeadlineExceeded);
    assertWithinDeadline(ms, "the call");
  });

  it("service clients: every call carries a deadline by default (10 s), its own when it sets one", async () => {
    const client = createServiceClient(EchoService, silentH2.url);
    const calls = [
      client.echo({ text: "default" }).catch(() => {}),
      client.echo({ text: "own" }, { timeoutMs: DEADLINE_MS }).catch(() => {}),
    ];
    await waitFor(() => silentH2.requests.length === 2, { message: "both requests to arrive" });
    const timeouts = silentH2.requests.map((h) => h["grpc-timeout"]).sort();
    assert.deepEqual(timeouts, ["10000m", `${DEADLINE_MS}m`].sort());
    await calls[1];
  });

  it("JWKS: a verification whose key set cannot be fetched fails at the fetch's deadline", async () => {
    const verifier = createJwksVerifier({
      jwksUrl: `${silent.url}/.well-known/jwks.json`,
      issuer: "atendo",
      timeoutMs: DEADLINE_MS,
    });
    const token = await issuer.user({ tenantId: randomUUID(), role: "agent" });
    const { ms, error } = await failureOf(() => verifier.verify(token));
    // Not the token's fault: the interceptor answers `unavailable`, not `unauthenticated`.
    assert.equal(error instanceof InvalidCredentialsError, false);
    assertWithinDeadline(ms, "the JWKS fetch");
  });

  describe("createTenantAuth against a tenant service that never answers", () => {
    const { logger, lines } = createLogSink();
    const auth = () =>
      createTenantAuth({
        tenantServiceUrl: silent.url,
        service: "kittest",
        credential: "kittest-credential-0123456789",
        issuer: "atendo",
        logger,
        timeoutMs: DEADLINE_MS,
      });

    it("JWKS uses the same deadline", async () => {
      const a = auth();
      try {
        const token = await issuer.user({ tenantId: randomUUID(), role: "agent" });
        const { ms } = await failureOf(() => a.verifier.verify(token));
        assertWithinDeadline(ms, "the JWKS fetch");
      } finally {
        a.close();
      }
    });

    it("each service-token issue attempt ends at the deadline and is retried", async () => {
      const a = auth();
      const started = Date.now();
      const waiting = a.serviceTokens.token().catch(() => {});
      try {
        const failures = () => lines.filter((l) => l.msg === "issuing a service token failed");
        await waitFor(() => failures().length >= 1, {
          message: "a failed issue attempt",
          timeoutMs: DEADLINE_MS + SLACK_MS,
        });
        assertWithinDeadline(Date.now() - started, "the first issue attempt");
        assert.match(JSON.stringify(failures()[0]?.err), /deadline_exceeded|deadline exceeded/i);
        await waitFor(() => failures().length >= 2, {
          message: "a second attempt",
          timeoutMs: DEADLINE_MS + SLACK_MS,
        });
      } finally {
        a.close();
      }
      await waiting;
    });

    it("API key introspection and workspace lookups end at the deadline", async () => {
      const a = auth();
      try {
        const key = `atd_live_abcdefabcdef_${"s".repeat(43)}`;
        const introspection = await failureOf(() => a.apiKeys.resolve(key));
        assert.equal(ConnectError.from(introspection.error).code, Code.DeadlineExceeded);
        assertWithinDeadline(introspection.ms, "the introspection");
        const lookup = await failureOf(() => a.workspaces.tenantOf(randomUUID()));
        assert.equal(ConnectError.from(lookup.error).code, Code.DeadlineExceeded);
        assertWithinDeadline(lookup.ms, "the workspace lookup");
      } finally {
        a.close();
      }
    });
  });
});
