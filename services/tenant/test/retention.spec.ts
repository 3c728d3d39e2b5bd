import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { adminQuery, uniqueEmail, waitFor } from "@atendo/testing";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const ago = (days: number) => `now() - interval '${days} days'`;

/** The retention job of the tenant service against the real Postgres (RETENTION_DAYS: 30). */
describe("tenant: retention", () => {
  let h: TenantHarness;

  before(async () => {
    // A run every second, so rows aged after the start are pruned by the next run.
    h = await startTenantForTest({ RETENTION_INTERVAL_MS: "1000" });
  });
  after(async () => {
    await h?.stop();
  });

  it("deletes published outbox rows, inbox rows, verification links and invitations 30 days after they ended, and keeps the rest", async () => {
    const owner = await h.identity.signUpOwner(); // its verification link is used
    const unverified = await h.identity.signUpOwner({ verify: false }); // its link is still open
    const oldInvitee = uniqueEmail("old-invitee");
    const openInvitee = uniqueEmail("open-invitee");
    for (const email of [oldInvitee, openInvitee]) {
      await owner.clients.tenants.inviteMember({ tenantId: owner.tenantId, email, role: MemberRole.AGENT });
    }
    const outbox = (status?: string) =>
      adminQuery<{ id: string }>(
        `select id from tenant.outbox where tenant_id = $1 ${status ? "and status = $2" : ""} order by id`,
        status ? [owner.tenantId, status] : [owner.tenantId],
      );
    // The sign-up's events went out: their rows are published.
    const published = await waitFor(
      async () => {
        const all = await outbox();
        const done = await outbox("published");
        return all.length >= 3 && done.length === all.length ? done : undefined;
      },
      { message: "the owner's sign-up events published" },
    );
    const [oldPublished, ...recentPublished] = published.map((r) => r.id);

    // Rows past retention (and some just within it, and some never pruned), backdated.
    await adminQuery(
      `update tenant.outbox set published_at = ${ago(31)}, created_at = ${ago(31)} where id = $1`,
      [oldPublished],
    );
    await adminQuery(
      // The pending one is not due: the relay leaves it alone.
      `insert into tenant.outbox (tenant_id, subject, msg_id, event_type, data, status, created_at, next_attempt_at)
       values ($1, 's', $2, 't', '\\x00', 'pending', ${ago(40)}, now() + interval '1 day'),
              ($1, 's', $3, 't', '\\x00', 'failed', ${ago(40)}, ${ago(39)})`,
      [owner.tenantId, `pending-${newId()}`, `failed-${newId()}`],
    );
    const [oldEvent, recentEvent] = [newId(), newId()];
    await adminQuery(
      `insert into tenant.processed_events (tenant_id, consumer, event_id, processed_at)
       values ($1, 'retention-spec', $2, ${ago(31)}), ($1, 'retention-spec', $3, ${ago(29)})`,
      [owner.tenantId, oldEvent, recentEvent],
    );
    await adminQuery(
      `update tenant.email_verifications set expires_at = ${ago(31)}, created_at = ${ago(32)} where user_id = $1`,
      [owner.userId],
    );
    await adminQuery(
      `update tenant.invitations set expires_at = ${ago(31)}, created_at = ${ago(38)} where email = $1`,
      [oldInvitee],
    );
    await adminQuery(
      `update tenant.audit_log set occurred_at = ${ago(400)} where tenant_id = $1 and action = 'tenant.create'`,
      [owner.tenantId],
    );

    const count = async (sql: string, params: unknown[]) =>
      Number((await adminQuery<{ n: string }>(`select count(*) as n from ${sql}`, params))[0]?.n);
    await waitFor(
      async () =>
        (await count("tenant.outbox where id = $1", [oldPublished])) === 0 &&
        (await count("tenant.processed_events where event_id = $1", [oldEvent])) === 0 &&
        (await count("tenant.email_verifications where user_id = $1", [owner.userId])) === 0 &&
        (await count("tenant.invitations where email = $1", [oldInvitee])) === 0,
      { message: "the rows past retention to go" },
    );

    // What is within retention, pending, failed, open or audit stays.
    const left = await adminQuery<{ id: string; status: string }>(
      "select id, status from tenant.outbox where tenant_id = $1 order by id",
      [owner.tenantId],
    );
    assert.deepEqual(
      left.map((r) => r.status),
      [...recentPublished.map(() => "published"), "pending", "failed"],
    );
    assert.equal(await count("tenant.processed_events where event_id = $1", [recentEvent]), 1);
    assert.equal(await count("tenant.email_verifications where user_id = $1", [unverified.userId]), 1);
    assert.equal(await count("tenant.invitations where email = $1", [openInvitee]), 1);
    assert.equal(
      await count("tenant.audit_log where tenant_id = $1 and action = 'tenant.create'", [owner.tenantId]),
      1,
    );
  });
});
