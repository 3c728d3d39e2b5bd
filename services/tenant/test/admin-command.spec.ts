import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { adminQuery, testEnv } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { runAdmin } from "../src/admin/run-admin.js";
import { tenantWithWorkspace, whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf } from "./support/tokens.js";

// `npm run admin -- ...`, run in-process against the test database as its owner, like migrations.
async function admin(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(
    args,
    { MIGRATION_DATABASE_URL: testEnv().ownerUrl, ATENDO_OPERATOR: "ops@test", ...env },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("the operator command (npm run admin)", () => {
  describe("platform-admin", () => {
    let h: TenantHarness;

    before(async () => {
      h = await startTenantForTest();
    });
    after(async () => {
      await h?.stop();
    });

    it("grants platform admin to an account (verified or not), audited, and revokes it", async () => {
      const person = await h.identity.signUpOwner({ verify: false });
      const granted = await admin(["platform-admin", "grant", person.email.toUpperCase()]);
      assert.equal(granted.code, 0, granted.err);
      assert.match(
        granted.out,
        new RegExp(`granted platform admin to ${person.email} \\(user ${person.userId}\\)`),
      );
      const ledger = await adminQuery<{ action: string; operator: string; email: string }>(
        "select action, operator, email from tenant.platform_admin_changes where user_id = $1 order by occurred_at",
        [person.userId],
      );
      assert.deepEqual(ledger, [{ action: "grant", operator: "ops@test", email: person.email }]);

      // The next session has padm and may list every tenant.
      const login = await h.anonymous.auth.login(
        { email: person.email, password: person.password },
        fromNewIp(),
      );
      const token = login.tokens?.accessToken ?? "";
      assert.equal(claimsOf(token).padm, true);
      const bearer = { headers: { authorization: `Bearer ${token}` } };
      assert.ok((await h.anonymous.tenants.listTenants({}, bearer)).tenants.length > 0);
      const listed = await admin(["platform-admin", "list"]);
      assert.match(listed.out, new RegExp(`${person.email}  \\(email not verified\\)`));

      const again = await admin(["platform-admin", "grant", person.email]);
      assert.match(again.out, /nothing to do: .* already is a platform admin by grant/);

      const revoked = await admin(["platform-admin", "revoke", person.email]);
      assert.equal(revoked.code, 0, revoked.err);
      const refreshed = await h.anonymous.auth.refreshToken({
        refreshToken: login.tokens?.refreshToken ?? "",
      });
      const after = refreshed.tokens?.accessToken ?? "";
      assert.equal(claimsOf(after).padm, undefined);
      const refused = await rejection(
        h.anonymous.tenants.listTenants({}, { headers: { authorization: `Bearer ${after}` } }),
      );
      assert.equal(refused.code, Code.PermissionDenied);
      const actions = await adminQuery<{ action: string }>(
        "select action from tenant.platform_admin_changes where user_id = $1 order by occurred_at",
        [person.userId],
      );
      assert.deepEqual(
        actions.map((a) => a.action),
        ["grant", "revoke"],
      );
    });

    it("says what is wrong: an unknown email, a bad command, a missing database URL", async () => {
      const unknown = await admin(["platform-admin", "grant", "nobody-here@example.com"]);
      assert.deepEqual(
        [unknown.code, unknown.err],
        [1, "no account has the email nobody-here@example.com: the person signs up first, then you grant"],
      );
      const usage = await admin(["platform-admin", "promote", "x@example.com"]);
      assert.equal(usage.code, 2);
      assert.match(usage.err, /^usage: npm run admin -- <command>/);
      const code = await runAdmin(
        ["platform-admin", "list"],
        {},
        { out: () => undefined, err: () => undefined },
      );
      assert.equal(code, 2);
    });

    it("keeps the ledger out of the service role's reach", async () => {
      const [rights] = await adminQuery<Record<string, boolean>>(
        `select has_table_privilege('atendo_tenant', 'tenant.platform_admin_changes', 'select') as select,
                has_table_privilege('atendo_tenant', 'tenant.platform_admin_changes', 'insert') as insert,
                has_table_privilege('atendo_tenant', 'tenant.platform_admin_changes', 'update') as update,
                has_table_privilege('atendo_tenant', 'tenant.platform_admin_changes', 'delete') as delete`,
      );
      assert.deepEqual(rights, { select: false, insert: false, update: false, delete: false });
    });
  });

  describe("secrets reseal", () => {
    const idA = `a${randomBytes(6).toString("hex")}`;
    const idB = `b${randomBytes(6).toString("hex")}`;
    const keyA = `${idA}:${randomBytes(32).toString("base64")}`;
    const keyB = `${idB}:${randomBytes(32).toString("base64")}`;
    let h: TenantHarness;

    before(async () => {
      h = await startTenantForTest({ CHANNEL_SECRET_KEYS: keyA });
    });
    after(async () => {
      await h?.stop();
    });

    it("re-seals with the active key, reports counts, and twice at once is the same as once", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const channels = await Promise.all(
        ["One", "Two", "Three"].map((name) =>
          h.channels.createChannel({
            workspaceId,
            name,
            config: { case: "whatsapp", value: whatsappConfig() },
          }),
        ),
      );
      const ids = channels.map((c) => c.channel?.id ?? "");
      const env = { CHANNEL_SECRET_KEYS: `${keyB},${keyA}`, AUTH_ISSUER: `atendo-test-${h.namespace}` };
      // Two operators (or replicas) at once: rows are locked and skipped, never re-sealed twice.
      const [first, second] = await Promise.all([
        admin(["secrets", "reseal"], env),
        admin(["secrets", "reseal"], env),
      ]);
      assert.deepEqual([first.code, second.code], [0, 0], `${first.err}\n${second.err}`);
      const resealed = [first.out, second.out].map((out) =>
        Number(
          /done: (\d+) channels and (\d+) signing keys re-sealed, 0 failed/.exec(out)?.[1] ?? Number.NaN,
        ),
      );
      assert.equal((resealed[0] ?? 0) + (resealed[1] ?? 0), 3, `${first.out}\n---\n${second.out}`);
      assert.match(first.out, new RegExp(`key "${idA}" \\(older\\): 0 channels`));
      assert.match(first.out, new RegExp(`key "${idB}" \\(active\\): 3 channels`));
      const rows = await adminQuery<{ key_id: string }>(
        "select key_id from tenant.channels where id = any($1)",
        [ids],
      );
      assert.deepEqual(
        rows.map((r) => r.key_id),
        [idB, idB, idB],
      );
      const again = await admin(["secrets", "reseal"], env);
      assert.match(again.out, /done: 0 channels and 0 signing keys re-sealed, 0 failed/);

      // The service now runs with B alone: every channel opens, tokens are still signed.
      await h.restart({ CHANNEL_SECRET_KEYS: keyB });
      for (const id of ids) {
        const res = await h.delivery.channelDirectory.resolveChannel({
          key: { case: "channelId", value: id },
        });
        assert.equal(res.channelId, id);
      }
      assert.ok((await h.identity.signUpOwner()).accessToken);
    });
  });
});
