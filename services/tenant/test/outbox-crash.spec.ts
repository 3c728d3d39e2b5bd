import assert from "node:assert/strict";
import { type Bus, connectBus, type Listener } from "@atendo/bus";
import {
  ChannelUpdatedSchema,
  TenantReactivatedSchema,
  TenantSuspendedSchema,
} from "@atendo/proto/tenant/v1";
import { createLogger } from "@atendo/telemetry";
import {
  adminQuery,
  createIdentityKit,
  limitStreamMessageSize,
  testEnv,
  uniqueNamespace,
  waitFor,
} from "@atendo/testing";
import { type ServiceProcess, startServiceProcess } from "../../../scripts/lib/launcher.js";
import { freePorts } from "../../../test/support/free-ports.js";
import { whatsappConfig } from "./support/fixtures.js";
import { randomIp, testVariables } from "./support/start-tenant.js";

interface OutboxRow {
  event_type: string;
  status: string;
  attempts: number;
  /** Until the row is due again: a backoff, or a lease when a relay holds it. */
  due_in_ms: number;
}

const EVENTS = [ChannelUpdatedSchema, TenantSuspendedSchema, TenantReactivatedSchema] as const;

/**
 * The tenant service as a real process that dies (SIGKILL) after changes committed but before their
 * events reached the bus, and the next process that starts on the same database.
 */
describe("tenant: events of a change survive the death of its process", () => {
  const namespace = uniqueNamespace("tenant");
  const logger = createLogger({ service: "tenant-crash-test", level: "warn" });
  const processes: ServiceProcess[] = [];
  const output: string[] = [];
  const seen: Array<{ type: string; tenantId: string }> = [];
  let port: number;
  let bus: Bus;
  let listener: Listener | undefined;

  before(async () => {
    [port = 0] = await freePorts(1);
    bus = await connectBus({ servers: testEnv().natsUrl, name: "tenant-crash-test", logger, namespace });
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop(10_000)));
    await listener?.stop();
    await bus?.deleteNamespaceStreams();
    await bus?.close();
  });

  const variables = testVariables(namespace, {
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    OUTBOX_RELAY_INTERVAL_MS: "100",
  });

  async function launch(): Promise<ServiceProcess> {
    const svc = startServiceProcess({
      name: "tenant",
      env: { ...variables, PORT: String(port) },
      onLine: (line) => output.push(line),
      keepLines: 200,
    });
    processes.push(svc);
    await svc.ready(60_000);
    return svc;
  }

  const unpublished = (tenantId: string) =>
    adminQuery<OutboxRow>(
      `select event_type, status, attempts,
              (extract(epoch from next_attempt_at - now()) * 1000)::float8 as due_in_ms
         from tenant.outbox where tenant_id = $1 and status <> 'published' order by id`,
      [tenantId],
    );
  const seenOf = (tenantId: string) => seen.filter((e) => e.tenantId === tenantId).map((e) => e.type);

  it("commits each change with its event, and the next process publishes them once, in order", async () => {
    const first = await launch();
    listener = await bus.listen({
      schema: EVENTS,
      handler: (event, ctx) => void seen.push({ type: event.$typeName, tenantId: ctx.meta.tenantId }),
    });
    const headers = { "x-forwarded-for": randomIp() };
    const kit = createIdentityKit({
      tenantUrl: first.url,
      platformAdmin: { email: variables.PLATFORM_ADMIN_EMAILS ?? "" },
      headers,
    });
    const admin = await kit.platformAdmin();
    const owner = await kit.signUpOwner();
    const { channel } = await owner.clients.channels.createChannel({
      workspaceId: owner.workspaceId,
      name: "WA",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    const channelId = channel?.id ?? "";
    await waitFor(async () => (await unpublished(owner.tenantId)).length === 0, {
      message: "the sign-up's and the channel's events published",
    });

    await limitStreamMessageSize(bus.streamFor("tenant"), 16);
    // Answered: each change committed with its event, whatever the bus does.
    await owner.clients.channels.updateChannel({
      workspaceId: owner.workspaceId,
      channelId,
      updateMask: { paths: ["app_secret"] },
      appSecret: "rotated-app-secret-of-the-crash-test",
    });
    await admin.clients.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "crash test" });
    // The relay tried and the bus refused: both events wait, the second behind the first, which
    // backs off (not leased to this relay, which dies now).
    await waitFor(
      async () => {
        const rows = await unpublished(owner.tenantId);
        const head = rows[0];
        return (
          rows.length === 2 &&
          rows.every((r) => r.status === "pending") &&
          head !== undefined &&
          head.attempts >= 1 &&
          head.due_in_ms > 200 &&
          head.due_in_ms < 30_000
        );
      },
      { message: () => `a failed publish; output:\n${output.slice(-20).join("\n")}` },
    );
    first.kill();
    await first.exited;
    assert.deepEqual(seenOf(owner.tenantId), [], "nothing reached the bus");
    assert.deepEqual(
      (await unpublished(owner.tenantId)).map((r) => r.event_type),
      [ChannelUpdatedSchema.typeName, TenantSuspendedSchema.typeName],
    );

    await limitStreamMessageSize(bus.streamFor("tenant"), -1);
    await launch();
    await waitFor(
      async () => seenOf(owner.tenantId).length === 2 && (await unpublished(owner.tenantId)).length === 0,
      {
        message: () => `both events published by the next process; seen ${seenOf(owner.tenantId).join(", ")}`,
      },
    );
    // A later change: once its event is heard, everything published before it was handed over.
    await admin.clients.tenants.reactivateTenant({ tenantId: owner.tenantId });
    await waitFor(() => seenOf(owner.tenantId).length >= 3, { message: "the marker event" });
    assert.deepEqual(seenOf(owner.tenantId), [
      ChannelUpdatedSchema.typeName,
      TenantSuspendedSchema.typeName,
      TenantReactivatedSchema.typeName,
    ]);
  });
});
