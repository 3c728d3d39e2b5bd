import assert from "node:assert/strict";
import { assertTenantTablesSecured, createDb, type Db, isRlsViolation, newId } from "@atendo/db";
import { adminQuery, testEnv } from "@atendo/testing";
import { ChannelRow } from "../src/store/channel-row.js";
import { ENTITIES } from "../src/store/entities.js";
import { TenantRow } from "../src/store/tenant-row.js";
import { tenantWithWorkspace } from "./support/fixtures.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const LOOKUPS = [
  "tenant.tenant_of_workspace(uuid)",
  "tenant.tenant_of_channel(uuid)",
  "tenant.channel_of_site_key(text)",
  "tenant.list_tenant_ids(uuid, text, text, int)",
  "tenant.tenants_of_user(uuid)",
  "tenant.invitation_of_token(bytea)",
  "tenant.refresh_token_of_hash(bytea)",
  "tenant.api_key_of_prefix(text)",
  "tenant.slug_taken(text)",
  "tenant.channels_sealed_with(text[], uuid, int)",
  "tenant.channel_key_usage()",
  // The outbox relay's and the retention job's, across tenants too.
  "tenant.outbox_claim(integer, bigint)",
  "tenant.outbox_stats()",
  "tenant.prune_outbox(bigint, integer)",
  "tenant.prune_processed_events(bigint, integer)",
  "tenant.prune_email_verifications(bigint, integer)",
  "tenant.prune_invitations(bigint, integer)",
];

describe("tenant security", () => {
  const env = testEnv();
  let h: TenantHarness;
  let db: Db;

  before(async () => {
    h = await startTenantForTest();
    db = await createDb({ url: env.appUrl("tenant"), schema: "tenant", entities: ENTITIES, poolMax: 2 });
  });
  after(async () => {
    await db?.close();
    await h?.stop();
  });

  it("puts every tenant table of the schema under forced row-level security", async () => {
    await assertTenantTablesSecured(env.ownerUrl, "tenant", { appRole: "atendo_tenant" });
    const tables = await adminQuery<{ table: string }>(
      `select c.relname as "table" from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
       where n.nspname = 'tenant' and c.relkind = 'r' order by 1`,
    );
    assert.deepEqual(
      tables.map((t) => t.table),
      [
        "api_keys",
        "audit_log",
        "channels",
        "invitations",
        "memberships",
        "outbox",
        "processed_events",
        "refresh_tokens",
        "request_ids",
        "tenants",
        "workspaces",
      ],
    );
    // The global tables are global on purpose: people (and their email verifications) span
    // tenants, signing keys sign for all, platform admins are the platform's.
    const global = await adminQuery<{ table: string }>(
      `select c.relname as "table" from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'tenant' and c.relkind = 'r'
          and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
        order by 1`,
    );
    assert.deepEqual(
      global.map((t) => t.table),
      ["email_verifications", "mikro_orm_migrations", "platform_admin_changes", "signing_keys", "users"],
    );
  });

  it("keeps the audit log append-only for the service role", async () => {
    const [grants] = await adminQuery<Record<string, boolean>>(
      `select has_table_privilege('atendo_tenant', 'tenant.audit_log', 'insert') as insert,
              has_table_privilege('atendo_tenant', 'tenant.audit_log', 'select') as select,
              has_table_privilege('atendo_tenant', 'tenant.audit_log', 'update') as update,
              has_table_privilege('atendo_tenant', 'tenant.audit_log', 'delete') as delete,
              has_table_privilege('atendo_tenant', 'tenant.audit_log', 'truncate') as truncate`,
    );
    assert.deepEqual(grants, { insert: true, select: true, update: false, delete: false, truncate: false });
  });

  it("answers cross-tenant lookups only through owner-defined, pinned, role-restricted functions", async () => {
    for (const fn of LOOKUPS) {
      const [p] = await adminQuery<{
        definer: boolean;
        config: string[];
        owner: string;
        app: boolean;
        other: boolean;
      }>(
        `select p.prosecdef as definer, p.proconfig as config, pg_get_userbyid(p.proowner) as owner,
                has_function_privilege('atendo_tenant', p.oid, 'execute') as app,
                has_function_privilege('atendo_ingress', p.oid, 'execute') as other
           from pg_proc p where p.oid = $1::regprocedure`,
        [fn],
      );
      assert.deepEqual(
        p,
        {
          definer: true,
          config: ["search_path=pg_catalog, pg_temp"],
          owner: "atendo_owner",
          app: true,
          other: false,
        },
        fn,
      );
    }
  });

  it("shows a tenant's unit of work only its own rows and refuses writes into another tenant", async () => {
    const a = await tenantWithWorkspace(h);
    const b = await tenantWithWorkspace(h);
    const { channel } = await h.channels.createChannel({
      workspaceId: a.workspaceId,
      name: "A's",
      config: { case: "web", value: {} },
    });
    const channelId = channel?.id ?? "";
    assert.equal(
      (await db.withTenant(a.tenantId, (em) => em.findOne(ChannelRow, { id: channelId })))?.id,
      channelId,
    );
    assert.equal(await db.withTenant(b.tenantId, (em) => em.findOne(ChannelRow, { id: channelId })), null);
    assert.deepEqual(
      await db.withTenant(b.tenantId, async (em) => (await em.find(TenantRow, {})).map((t) => t.id)),
      [b.tenantId],
    );
    assert.equal(await db.withoutTenant((em) => em.count(TenantRow, {})), 0);

    const now = new Date();
    const foreignWrite = db.withTenant(b.tenantId, async (em) => {
      em.create(ChannelRow, {
        id: newId(),
        tenantId: a.tenantId,
        workspaceId: a.workspaceId,
        type: "WEB",
        name: "intruder",
        status: "ACTIVE",
        statusReason: "",
        statusChangedAt: now,
        config: {},
        secrets: Buffer.alloc(0),
        keyId: "none",
        createdAt: now,
        updatedAt: now,
      });
    });
    await assert.rejects(foreignWrite, (err) => isRlsViolation(err));
  });
});
