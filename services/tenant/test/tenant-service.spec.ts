import assert from "node:assert/strict";
import { ErrorReason } from "@atendo/proto/common/v1";
import { CreateTenantResponseSchema, MemberRole, Plan, TenantStatus } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, uniqueEmail, uniqueSlug } from "@atendo/testing";
import { toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { invitationToken } from "./support/mail.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

describe("TenantService", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  describe("CreateTenant / GetTenant", () => {
    it("creates a tenant with its plan's limits and reads it back", async () => {
      const slug = uniqueSlug("acme");
      const { tenant } = await h.tenants.createTenant({ name: " Acme Corp ", slug, plan: Plan.FREE });
      assert.ok(tenant);
      assert.equal(tenant.name, "Acme Corp");
      assert.equal(tenant.slug, slug);
      assert.equal(tenant.plan, Plan.FREE);
      assert.equal(tenant.status, TenantStatus.ACTIVE);
      assert.deepEqual({ ws: tenant.limits?.workspaces, ch: tenant.limits?.channels }, { ws: 1, ch: 3 });
      const got = await h.tenants.getTenant({ tenantId: tenant.id });
      assert.equal(got.tenant?.slug, slug);
      assert.equal(got.tenant?.createdAt?.seconds, tenant.createdAt?.seconds);

      const rows = await adminQuery<{ tenant_id: string; plan: string; limits: unknown }>(
        "select tenant_id, plan, limits from tenant.tenants where id = $1",
        [tenant.id],
      );
      assert.deepEqual(rows, [{ tenant_id: tenant.id, plan: "FREE", limits: null }]);
    });

    it("keeps limits given at creation instead of the plan's", async () => {
      const { tenant } = await h.tenants.createTenant({
        name: "Custom",
        slug: uniqueSlug(),
        plan: Plan.ENTERPRISE,
        limits: { workspaces: 7, channels: 70, assistants: 3, monthlyAiMessages: 100, members: 9 },
      });
      const got = await h.tenants.getTenant({ tenantId: tenant?.id ?? "" });
      assert.equal(got.tenant?.limits?.workspaces, 7);
      assert.equal(got.tenant?.limits?.channels, 70);
      assert.equal(got.tenant?.limits?.members, 9);
    });

    it("answers already_exists for a duplicate slug", async () => {
      const slug = uniqueSlug();
      await h.tenants.createTenant({ name: "First", slug, plan: Plan.PRO });
      const err = await rejection(h.tenants.createTenant({ name: "Second", slug, plan: Plan.FREE }));
      assert.equal(err.code, Code.AlreadyExists);
      assert.match(err.rawMessage, new RegExp(slug));
      const rows = await adminQuery("select 1 from tenant.tenants where slug = $1", [slug]);
      assert.equal(rows.length, 1);
    });

    it("answers invalid_argument naming the field", async () => {
      const badSlug = await rejection(
        h.tenants.createTenant({ name: "X", slug: "Not A Slug", plan: Plan.FREE }),
      );
      assert.equal(badSlug.code, Code.InvalidArgument);
      assert.match(badSlug.rawMessage, /slug/);

      const noPlan = await rejection(h.tenants.createTenant({ name: "X", slug: uniqueSlug() }));
      assert.equal(noPlan.code, Code.InvalidArgument);
      assert.match(noPlan.rawMessage, /plan/);

      const reserved = await rejection(h.tenants.createTenant({ name: "X", slug: "admin", plan: Plan.FREE }));
      assert.equal(reserved.code, Code.InvalidArgument);
      assert.match(reserved.rawMessage, /^slug: "admin" is reserved/);

      const blank = await rejection(
        h.tenants.createTenant({ name: "   ", slug: uniqueSlug(), plan: Plan.FREE }),
      );
      assert.equal(blank.code, Code.InvalidArgument);
      assert.match(blank.rawMessage, /^name: must not be blank/);

      const badId = await rejection(h.tenants.getTenant({ tenantId: "nope" }));
      assert.equal(badId.code, Code.InvalidArgument);
      assert.match(badId.rawMessage, /tenant_id/);
    });

    it("invites the first owner given by owner_email, and sends the link once", async () => {
      const email = uniqueEmail("owner");
      const res = await h.tenants.createTenant({
        name: "Owned",
        slug: uniqueSlug(),
        plan: Plan.FREE,
        ownerEmail: email.toUpperCase(),
      });
      const tenantId = res.tenant?.id ?? "";
      assert.equal(res.ownerInvitation?.email, email);
      assert.equal(res.ownerInvitation?.role, MemberRole.OWNER);
      assert.equal(res.ownerInvitation?.invitedByUserId, "");
      // The link goes to the owner's mailbox only, not into the answer.
      assert.equal(res.ownerInvitationEmailSent, true);
      const sent = h.mail.filter((m) => m.refs.tenantId === tenantId);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]?.to, email);
      assert.match(sent[0]?.text ?? "", /as an owner/);
      const token = invitationToken(h, res.ownerInvitation?.id);
      assert.ok(sent[0]?.link.endsWith(`#token=${token}`));
      assert.ok(!toJsonString(CreateTenantResponseSchema, res).includes(token));
      const rows = await adminQuery<{ token_hash: Buffer }>(
        "select token_hash from tenant.invitations where tenant_id = $1",
        [tenantId],
      );
      assert.equal(rows.length, 1);
      assert.ok(!rows[0]?.token_hash.toString("latin1").includes(token));
    });

    it("answers not_found for an unknown tenant", async () => {
      const err = await rejection(h.tenants.getTenant({ tenantId: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" }));
      assert.equal(err.code, Code.NotFound);
    });
  });

  describe("ListTenants", () => {
    it("pages newest first and filters by name or slug", async () => {
      const marker = uniqueSlug("list");
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { tenant } = await h.tenants.createTenant({
          name: `List ${marker} ${i}`,
          slug: `${marker}-${i}`,
          plan: Plan.FREE,
        });
        created.push(tenant?.id ?? "");
      }
      const seen: string[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const res = await h.tenants.listTenants({
          query: marker.toUpperCase(),
          pageSize: 2,
          pageToken,
        });
        seen.push(...res.tenants.map((t) => t.id));
        pageToken = res.nextPageToken;
        pages++;
      } while (pageToken !== "");
      assert.deepEqual(seen, [...created].reverse());
      assert.equal(pages, 3);

      const bySlug = await h.tenants.listTenants({ query: `${marker}-3` });
      assert.deepEqual(
        bySlug.tenants.map((t) => t.slug),
        [`${marker}-3`],
      );
    });

    it("rejects a page token used with other filters", async () => {
      const marker = uniqueSlug("tok");
      for (let i = 0; i < 2; i++) {
        await h.tenants.createTenant({ name: marker, slug: `${marker}-${i}`, plan: Plan.FREE });
      }
      const first = await h.tenants.listTenants({ query: marker, pageSize: 1 });
      const token = first.nextPageToken;
      assert.notEqual(token, "");
      const err = await rejection(h.tenants.listTenants({ query: "other", pageSize: 1, pageToken: token }));
      assert.equal(err.code, Code.InvalidArgument);
      assert.equal(errorInfoOf(err)?.reason, ErrorReason[ErrorReason.INVALID_PAGE_TOKEN]);
    });
  });

  describe("workspaces", () => {
    it("creates, reads and lists workspaces with normalised settings", async () => {
      const { tenant } = await h.tenants.createTenant({ name: "WS", slug: uniqueSlug(), plan: Plan.PRO });
      const tenantId = tenant?.id ?? "";
      const { workspace } = await h.tenants.createWorkspace({
        tenantId,
        name: "Brazil",
        timeZone: "america/sao_paulo",
        defaultLanguage: "pt-br",
      });
      assert.equal(workspace?.tenantId, tenantId);
      assert.equal(workspace?.timeZone, "America/Sao_Paulo");
      assert.equal(workspace?.defaultLanguage, "pt-BR");
      const second = await h.tenants.createWorkspace({ tenantId, name: "Default" });
      assert.equal(second.workspace?.timeZone, "UTC");
      assert.equal(second.workspace?.defaultLanguage, "en");

      const got = await h.tenants.getWorkspace({ workspaceId: workspace?.id ?? "" });
      assert.equal(got.workspace?.name, "Brazil");

      const page1 = await h.tenants.listWorkspaces({ tenantId, pageSize: 1 });
      const page2 = await h.tenants.listWorkspaces({
        tenantId,
        pageSize: 1,
        pageToken: page1.nextPageToken,
      });
      assert.deepEqual(
        [...page1.workspaces, ...page2.workspaces].map((w) => w.name),
        ["Brazil", "Default"],
      );
      assert.equal(page2.nextPageToken, "");
    });

    it("enforces the plan's workspace limit", async () => {
      const { tenant } = await h.tenants.createTenant({ name: "Small", slug: uniqueSlug(), plan: Plan.FREE });
      const tenantId = tenant?.id ?? "";
      await h.tenants.createWorkspace({ tenantId, name: "One" });
      const err = await rejection(h.tenants.createWorkspace({ tenantId, name: "Two" }));
      assert.equal(err.code, Code.ResourceExhausted);
      assert.match(err.rawMessage, /FREE plan allows 1 workspaces/);
      assert.equal(errorInfoOf(err)?.reason, ErrorReason[ErrorReason.PLAN_LIMIT_REACHED]);
      assert.deepEqual(errorInfoOf(err)?.metadata, { limit: "workspaces", max: "1" });
      const rows = await adminQuery("select 1 from tenant.workspaces where tenant_id = $1", [tenantId]);
      assert.equal(rows.length, 1);
    });

    it("answers already_exists for a name taken in the tenant, and checks settings", async () => {
      const { tenant } = await h.tenants.createTenant({ name: "Dup", slug: uniqueSlug(), plan: Plan.PRO });
      const tenantId = tenant?.id ?? "";
      await h.tenants.createWorkspace({ tenantId, name: "Sales" });
      const dup = await rejection(h.tenants.createWorkspace({ tenantId, name: "sales" }));
      assert.equal(dup.code, Code.AlreadyExists);

      const zone = await rejection(
        h.tenants.createWorkspace({ tenantId, name: "Z", timeZone: "Mars/Olympus" }),
      );
      assert.equal(zone.code, Code.InvalidArgument);
      assert.match(zone.rawMessage, /^time_zone: /);
    });

    it("answers not_found for unknown tenants and workspaces", async () => {
      const unknown = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
      assert.equal((await rejection(h.tenants.getWorkspace({ workspaceId: unknown }))).code, Code.NotFound);
      assert.equal(
        (await rejection(h.tenants.createWorkspace({ tenantId: unknown, name: "X" }))).code,
        Code.NotFound,
      );
      assert.equal((await rejection(h.tenants.listWorkspaces({ tenantId: unknown }))).code, Code.NotFound);
    });
  });
});
