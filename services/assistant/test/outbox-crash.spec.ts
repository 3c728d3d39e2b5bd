import assert from "node:assert/strict";
import { ModelProvider } from "@atendo/proto/common/v1";
import { adminQuery, limitStreamMessageSize, testEnv, waitFor } from "@atendo/testing";
import { type ServiceProcess, startServiceProcess } from "../../../scripts/lib/launcher.js";
import { freePorts } from "../../../test/support/free-ports.js";
import { type AuditEvents, collectAudit } from "./support/audit-events.js";
import { type ConfiguredEvents, collectConfigured } from "./support/events.js";
import { type Stack, startStack } from "./support/stack.js";
import { signUp } from "./support/workspace.js";

interface OutboxRow {
  event_type: string;
  status: string;
  attempts: number;
}

/**
 * The assistant service as a real process that dies (SIGKILL) after a change committed but before
 * its events reached the bus, and the next process that starts on the same database.
 */
describe("assistant: events of a change survive the death of its process", () => {
  let stack: Stack;
  let port: number;
  let configured: ConfiguredEvents;
  let audit: AuditEvents;
  const processes: ServiceProcess[] = [];
  const output: string[] = [];

  before(async () => {
    [port = 0] = await freePorts(1);
    stack = await startStack({ externalAssistantPort: port });
    configured = await collectConfigured(stack.bus);
    audit = await collectAudit(stack.bus);
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop(10_000)));
    await stack?.stop();
  });

  async function launch(): Promise<ServiceProcess> {
    const env = testEnv();
    const svc = startServiceProcess({
      name: "assistant",
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: env.appUrl("assistant"),
        MIGRATION_DATABASE_URL: env.ownerUrl,
        NATS_URL: env.natsUrl,
        BUS_NAMESPACE: stack.namespace,
        TENANT_SERVICE_URL: stack.tenantUrl,
        AUTH_ISSUER: stack.issuer,
        LOG_LEVEL: "warn",
        OUTBOX_RELAY_INTERVAL_MS: "100",
      },
      onLine: (line) => output.push(line),
      keepLines: 200,
    });
    processes.push(svc);
    await svc.ready(60_000);
    return svc;
  }

  /** The stream refuses every message over `bytes` (-1: no limit), as a full or broken stream would. */
  const limitStream = (bytes: number) => limitStreamMessageSize(stack.bus.streamFor("assistant"), bytes);

  const outboxRows = (tenantId: string) =>
    adminQuery<OutboxRow>(
      "select event_type, status, attempts from assistant.outbox where tenant_id = $1 order by id",
      [tenantId],
    );

  it("commits the change with its events, and the next process publishes them exactly once", async () => {
    const first = await launch();
    const ws = await signUp(stack);
    await limitStream(16);

    // Answered: the change and its events committed together, whatever the bus does.
    const { assistant } = await ws.clients.assistants.createAssistant({
      workspaceId: ws.workspaceId,
      name: "Survivor",
      model: { provider: ModelProvider.OFFLINE },
    });
    const id = assistant?.id ?? "";
    // The process tried to publish and the bus refused: the events wait in the outbox (the
    // second behind the first, in order).
    await waitFor(
      async () => {
        const rows = await outboxRows(ws.tenantId);
        return (
          rows.length === 2 && rows.every((r) => r.status === "pending") && (rows[0]?.attempts ?? 0) >= 1
        );
      },
      { message: () => `a failed publish; output:\n${output.slice(-20).join("\n")}` },
    );
    first.kill();
    await first.exited;
    assert.equal(configured.all.filter((e) => e.assistant?.id === id).length, 0, "nothing reached the bus");

    await limitStream(-1);
    await launch();
    await configured.waitFor((e) => e.assistant?.id === id);
    await audit.waitFor((e) => e.entry?.action === "assistant.create" && e.entry.targetId === id, "create");
    await waitFor(async () => (await outboxRows(ws.tenantId)).every((r) => r.status === "published"), {
      message: "both rows marked published",
    });
    assert.deepEqual(
      (await outboxRows(ws.tenantId)).map((r) => r.event_type),
      ["atendo.assistant.v1.AssistantConfigured", "atendo.audit.v1.AuditRecorded"],
    );
    assert.equal(configured.all.filter((e) => e.assistant?.id === id).length, 1);
    assert.equal(audit.all.filter((e) => e.entry?.targetId === id).length, 1);
  });
});
