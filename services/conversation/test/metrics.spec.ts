import assert from "node:assert/strict";
import type { Owner } from "@atendo/testing";
import { waitFor } from "@atendo/testing";
import { type Clients, type Harness, startConversation } from "./support/harness.js";

// What the service wires (one registry per process): its RPCs and its bus consumers are read from
// the same GET /metrics on its port.
describe("conversation: metrics on /metrics", () => {
  let h: Harness;
  let owner: Owner<Clients>;

  before(async () => {
    h = await startConversation({}, { withTenant: true });
    owner = await h.identity.signUpOwner();
  });
  after(() => h?.stop());

  const scrape = async () => {
    const res = await fetch(`${h.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    return res.text();
  };

  it("shows the service's RPCs and its bus consumers in one scrape", async () => {
    await owner.clients.conversations.listConversations({ workspaceId: owner.workspaceId });
    const text = await waitFor(
      async () => {
        const t = await scrape();
        return /atendo_rpc_requests_total\{[^}]*rpc_method="ListConversations"[^}]*rpc_code="ok"[^}]*\} [1-9]/.test(
          t,
        ) && /atendo_bus_consumer_pending\{/.test(t)
          ? t
          : undefined;
      },
      { message: "the RPC counted and the consumers' lag shown on /metrics" },
    );
    assert.match(text, /rpc_service="atendo\.conversation\.v1\.ConversationService"/);
    assert.match(text, /atendo_rpc_duration_seconds_bucket\{/);
    assert.ok(!text.includes(owner.tenantId), "no tenant id in any label");
  });
});
