import assert from "node:assert/strict";
import { type Bus, newEventMeta } from "@atendo/bus";
import { ApiKeyRevokedSchema, TenantReactivatedSchema, TenantSuspendedSchema } from "@atendo/proto/tenant/v1";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { AccessWatch } from "../src/index.js";
import { watchAccessChanges } from "../src/index.js";
import type { Directory, GuardedServer, Ids } from "./support/auth-world.js";
import { createDirectory, newIds, startGuardedServer } from "./support/auth-world.js";
import { GuardedService } from "./support/guarded-service.js";
import { createLogSink } from "./support/log-sink.js";
import { bearer, codeOf, outcome } from "./support/outcome.js";
import { createTestBuses } from "./support/test-bus.js";
import type { TestIssuer } from "./support/test-issuer.js";
import { startTestIssuer } from "./support/test-issuer.js";

// docs/auth.md: a revoked key, a suspended tenant stop working everywhere within a second.
const EVERYWHERE_WITHIN_MS = 1000;

/** One process of a service: its server, its own bus connection and its watch of access changes. */
interface Replica {
  server: GuardedServer;
  client: Client<typeof GuardedService>;
  watch: AccessWatch;
}

describe("access changes reach every replica (real NATS)", () => {
  let issuer: TestIssuer;
  let ids: Ids;
  let directory: Directory;
  let buses: ReturnType<typeof createTestBuses>;
  let tenantService: Bus;
  const replicas: Replica[] = [];

  async function startReplica(): Promise<Replica> {
    const server = await startGuardedServer({ issuer, directory });
    const bus = await buses.open(`replica-${replicas.length + 1}`);
    const watch = await watchAccessChanges({ bus, auth: server });
    const replica = {
      server,
      client: createClient(GuardedService, createGrpcTransport({ baseUrl: server.baseUrl })),
      watch,
    };
    replicas.push(replica);
    return replica;
  }

  beforeEach(async () => {
    issuer = await startTestIssuer();
    ids = newIds();
    directory = createDirectory(ids);
    buses = createTestBuses();
    tenantService = await buses.open("tenant");
    await tenantService.ensureStream({ domain: "tenant" });
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.server.server.close()));
    await buses.cleanup();
    await issuer.close();
  });

  /** What a replica answers to `read` in `workspaceId` with `credential`: "ok", "unauthenticated", ... */
  async function answer(replica: Replica, credential: string, workspaceId = ids.wsA1): Promise<string> {
    return codeOf(await outcome(replica.client.read({ workspaceId }, bearer(credential))));
  }

  /** Waits until every replica answers `expected` for each credential; returns how long it took. */
  async function untilEveryReplica(
    credentials: Array<[string, string]>,
    expected: string,
    since: number,
  ): Promise<number> {
    await waitFor(
      async () => {
        for (const r of replicas) {
          for (const [credential, workspaceId] of credentials) {
            if ((await answer(r, credential, workspaceId)) !== expected) return false;
          }
        }
        return true;
      },
      { message: `every replica to answer ${expected}`, timeoutMs: EVERYWHERE_WITHIN_MS, intervalMs: 5 },
    );
    return Date.now() - since;
  }

  function suspended(tenantId: string) {
    return create(TenantSuspendedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", correlationId: "suspend" }),
      tenantId,
      reason: "unpaid invoices",
    });
  }

  function reactivated(tenantId: string) {
    return create(TenantReactivatedSchema, {
      meta: newEventMeta({ tenantId, workspaceId: "", correlationId: "reactivate" }),
      tenantId,
    });
  }

  it("ApiKeyRevoked evicts the key on both replicas at once (the cache would keep it 5 s)", async () => {
    const [a, b] = [await startReplica(), await startReplica()];
    const key = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"], 60_000);
    const other = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"], 60_000);
    for (const r of [a, b]) {
      assert.equal(await answer(r, key.key), "ok");
      assert.equal(await answer(r, other.key), "ok");
    }
    directory.keys.delete(key.key); // revoked at the tenant service, which then announces it
    const asked = directory.introspections;
    assert.equal(await answer(a, key.key), "ok", "still answered from the cache before the event");
    assert.equal(directory.introspections, asked);

    const publishedAt = Date.now();
    await tenantService.publish(
      ApiKeyRevokedSchema,
      create(ApiKeyRevokedSchema, {
        meta: newEventMeta({ tenantId: ids.tenantA, workspaceId: ids.wsA1, correlationId: "revoke" }),
        apiKeyId: key.id,
        prefix: key.key.slice(9, 21),
      }),
    );
    const tookMs = await untilEveryReplica([[key.key, ids.wsA1]], "unauthenticated", publishedAt);
    assert.ok(tookMs < EVERYWHERE_WITHIN_MS, `took ${tookMs} ms`);
    for (const r of [a, b]) assert.equal(await answer(r, other.key), "ok", "only the revoked key is refused");
  });

  it("TenantSuspended refuses the tenant's keys, users and visitors on both replicas until TenantReactivated", async () => {
    await startReplica();
    await startReplica();
    const key = directory.addKey(ids.tenantA, ids.wsA1, ["things:read"], 60_000);
    const agent = await issuer.user({ tenantId: ids.tenantA, role: "agent" });
    const visitor = await issuer.visitor({ tenantId: ids.tenantA, workspaceId: ids.wsA1 });
    const admin = await issuer.user({ tenantId: ids.tenantA, role: "agent", padm: true });
    const otherTenant = await issuer.user({ tenantId: ids.tenantB, role: "agent" });
    const tenantA: Array<[string, string]> = [
      [key.key, ids.wsA1],
      [agent, ids.wsA1],
      [visitor, ids.wsA1],
    ];
    const untouched: Array<[string, string]> = [
      [admin, ids.wsA1],
      [otherTenant, ids.wsB1],
    ];
    await untilEveryReplica([...tenantA, ...untouched], "ok", Date.now());

    const suspendedAt = Date.now();
    await tenantService.publish(TenantSuspendedSchema, suspended(ids.tenantA));
    const suspendMs = await untilEveryReplica(tenantA, "unauthenticated", suspendedAt);
    assert.ok(suspendMs < EVERYWHERE_WITHIN_MS, `suspension took ${suspendMs} ms`);
    // Platform admins keep access to a suspended tenant (as at login); other tenants are untouched.
    await untilEveryReplica(untouched, "ok", Date.now());
    for (const r of replicas) {
      assert.equal(
        codeOf(await outcome(r.client.operate({ tenantId: ids.tenantA }, bearer(admin)))),
        "ok",
        "a platform admin still operates the suspended tenant",
      );
    }

    const reactivatedAt = Date.now();
    await tenantService.publish(TenantReactivatedSchema, reactivated(ids.tenantA));
    const reactivateMs = await untilEveryReplica(tenantA, "ok", reactivatedAt);
    assert.ok(reactivateMs < EVERYWHERE_WITHIN_MS, `reactivation took ${reactivateMs} ms`);
  });

  it("a replica started later knows the suspensions still in force before it serves", async () => {
    const early = await startReplica();
    const agentA = await issuer.user({ tenantId: ids.tenantA, role: "agent" });
    const agentB = await issuer.user({ tenantId: ids.tenantB, role: "agent" });
    await tenantService.publish(TenantSuspendedSchema, suspended(ids.tenantA));
    await tenantService.publish(TenantSuspendedSchema, suspended(ids.tenantB));
    await tenantService.publish(TenantReactivatedSchema, reactivated(ids.tenantB));
    await untilEveryReplica([[agentB, ids.wsB1]], "ok", Date.now());
    assert.equal(await answer(early, agentA), "unauthenticated");

    // A new process: no waiting, its first answers already reflect the replayed events.
    const late = await startReplica();
    assert.equal(await answer(late, agentA), "unauthenticated");
    assert.equal(await answer(late, agentB, ids.wsB1), "ok");
  });

  it("logs an event it cannot apply and keeps applying the next ones", async () => {
    const { logger, lines } = createLogSink();
    const server = await startGuardedServer({ issuer, directory });
    const bus = await buses.open("replica-logged");
    const watch = await watchAccessChanges({ bus, auth: server, logger });
    replicas.push({
      server,
      watch,
      client: createClient(GuardedService, createGrpcTransport({ baseUrl: server.baseUrl })),
    });
    const broken = suspended("");
    await tenantService.publish(TenantSuspendedSchema, broken);
    await tenantService.publish(TenantSuspendedSchema, suspended(ids.tenantA));
    await waitFor(() => server.suspendedTenants.has(ids.tenantA), { message: "the valid suspension" });
    const failure = lines.find((l) => l.msg === "listener handler failed; the next event follows");
    assert.ok(failure, "the broken event was not logged");
    assert.equal(failure.event_id, broken.meta?.eventId);
  });

  it("stop() ends the watch", async () => {
    const stopped = await startReplica();
    const watching = await startReplica();
    await stopped.watch.stop();
    await tenantService.publish(TenantSuspendedSchema, suspended(ids.tenantA));
    await waitFor(() => watching.server.suspendedTenants.has(ids.tenantA), {
      message: "the running watch to hear it",
    });
    assert.equal(stopped.server.suspendedTenants.has(ids.tenantA), false);
  });
});
