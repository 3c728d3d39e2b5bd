import assert from "node:assert/strict";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { adminQuery, connectErrorOf, newPassword, uniqueEmail, uniqueSlug } from "@atendo/testing";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { invitationToken } from "./support/mail.js";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf, headerOf } from "./support/tokens.js";

describe("AuthService: sign-up, login, sessions", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  describe("SignUp", () => {
    it("creates a FREE tenant, its owner, a first workspace and a session", async () => {
      const email = uniqueEmail("signup");
      const slug = uniqueSlug("acme");
      const res = await h.anonymous.auth.signUp({
        email: email.toUpperCase(),
        password: newPassword(),
        name: " Ana Lima ",
        tenantName: "Acme",
        tenantSlug: slug,
        workspaceName: "Support",
        timeZone: "america/sao_paulo",
      });
      assert.equal(res.user?.email, email);
      assert.equal(res.user?.name, "Ana Lima");
      assert.deepEqual([res.tenant?.slug, res.tenant?.plan], [slug, Plan.FREE]);
      assert.deepEqual([res.workspace?.name, res.workspace?.timeZone], ["Support", "America/Sao_Paulo"]);
      const tenantId = res.tenant?.id ?? "";
      const rows = await adminQuery<{ role: string; workspace_ids: string[] }>(
        "select role, workspace_ids::text[] as workspace_ids from tenant.memberships where tenant_id = $1 and user_id = $2",
        [tenantId, res.user?.id],
      );
      assert.deepEqual(rows, [{ role: "OWNER", workspace_ids: [] }]);

      // The access token is an EdDSA JWT that the published keys verify, with the documented claims.
      const access = res.tokens?.accessToken ?? "";
      const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(access, jwks, {
        issuer: `atendo-test-${h.namespace}`,
        audience: "atendo",
        algorithms: ["EdDSA"],
        typ: "at+jwt",
      });
      assert.equal(protectedHeader.alg, "EdDSA");
      assert.ok(protectedHeader.kid);
      assert.deepEqual(
        { sub: payload.sub, tid: payload.tid, role: payload.role, ws: payload.ws, padm: payload.padm },
        { sub: res.user?.id, tid: tenantId, role: "owner", ws: undefined, padm: undefined },
      );
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 15 * 60);
      assert.ok(typeof payload.jti === "string" && payload.jti.length > 0);
      const refreshExpiresAt = res.tokens?.refreshExpiresAt;
      assert.ok(refreshExpiresAt);
      const refreshTtl = timestampDate(refreshExpiresAt).getTime() - Date.now();
      assert.ok(refreshTtl > 29 * 24 * 3600_000 && refreshTtl <= 30 * 24 * 3600_000);
      assert.match(res.tokens?.refreshToken ?? "", /^rt_/);
      // The refresh token is stored as a hash only.
      const stored = await adminQuery<{ token_hash: Buffer }>(
        "select token_hash from tenant.refresh_tokens where user_id = $1",
        [res.user?.id],
      );
      assert.equal(stored.length, 1);
      assert.equal(stored[0]?.token_hash.length, 32);

      const me = await h.as(access).auth.getCurrentUser({});
      assert.deepEqual(
        [me.user?.email, me.tenant?.id, me.role, me.workspaces.map((w) => w.id), me.platformAdmin],
        [email, tenantId, MemberRole.OWNER, [res.workspace?.id], false],
      );
    });

    it("derives a slug when none is given, and makes it unique", async () => {
      const name = `Café Zé ${uniqueSlug("x")}`;
      const first = await h.anonymous.auth.signUp({
        email: uniqueEmail(),
        password: newPassword(),
        name: "A",
        tenantName: name,
      });
      const second = await h.anonymous.auth.signUp({
        email: uniqueEmail(),
        password: newPassword(),
        name: "B",
        tenantName: name,
      });
      assert.match(first.tenant?.slug ?? "", /^cafe-ze-x-[0-9a-f]{12}$/);
      assert.match(second.tenant?.slug ?? "", new RegExp(`^${first.tenant?.slug}-[0-9a-f]{6}$`));
      assert.equal(second.workspace?.name, "Main");
    });

    it("answers already_exists for a taken email (any case) or slug, and creates nothing", async () => {
      const email = uniqueEmail("dup");
      const slug = uniqueSlug("dup");
      await h.anonymous.auth.signUp({
        email,
        password: newPassword(),
        name: "A",
        tenantName: "A",
        tenantSlug: slug,
      });
      const dupEmail = await connectErrorOf(
        h.anonymous.auth.signUp({
          email: email.toUpperCase(),
          password: newPassword(),
          name: "B",
          tenantName: "B",
          tenantSlug: uniqueSlug(),
        }),
      );
      assert.equal(dupEmail.code, Code.AlreadyExists);
      assert.match(dupEmail.rawMessage, /email/);
      const dupSlug = await connectErrorOf(
        h.anonymous.auth.signUp({
          email: uniqueEmail(),
          password: newPassword(),
          name: "C",
          tenantName: "C",
          tenantSlug: slug,
        }),
      );
      assert.equal(dupSlug.code, Code.AlreadyExists);
      assert.match(dupSlug.rawMessage, new RegExp(slug));
      const users = await adminQuery("select 1 from tenant.users where lower(email) = $1", [email]);
      assert.equal(users.length, 1);
      assert.equal((await adminQuery("select 1 from tenant.tenants where slug = $1", [slug])).length, 1);
    });

    it("answers invalid_argument naming the field for bad input", async () => {
      const valid = {
        email: uniqueEmail(),
        password: newPassword(),
        name: "Valid",
        tenantName: "Valid",
      };
      const cases: Array<[Partial<typeof valid> & { tenantSlug?: string; timeZone?: string }, RegExp]> = [
        [{ email: "not-an-email" }, /^email/],
        [{ name: "" }, /^name/],
        [{ name: "   " }, /^name: must not be blank/],
        [{ tenantName: "x".repeat(101) }, /^tenant_name/],
        [{ password: "short" }, /^password/],
        [{ tenantSlug: "admin" }, /^tenant_slug: "admin" is reserved/],
        [{ timeZone: "Mars/Olympus" }, /^time_zone/],
      ];
      for (const [override, field] of cases) {
        const err = await connectErrorOf(h.anonymous.auth.signUp({ ...valid, ...override }));
        assert.equal(err.code, Code.InvalidArgument, JSON.stringify(override));
        assert.match(err.rawMessage, field);
      }
      assert.equal(
        (await adminQuery("select 1 from tenant.users where email = $1", [valid.email])).length,
        0,
      );
    });
  });

  describe("Login", () => {
    it("logs in with the right password and records the time", async () => {
      const owner = await h.identity.signUpOwner();
      const res = await h.anonymous.auth.login(
        { email: owner.email.toUpperCase(), password: owner.password },
        fromNewIp(),
      );
      assert.equal(res.tenantId, owner.tenantId);
      assert.equal(res.user?.id, owner.userId);
      assert.equal(claimsOf(res.tokens?.accessToken ?? "").tid, owner.tenantId);
      assert.ok(res.user?.lastLoginAt);
      const [row] = await adminQuery<{ last: Date | null }>(
        "select last_login_at as last from tenant.memberships where user_id = $1",
        [owner.userId],
      );
      assert.ok(row?.last && Date.now() - row.last.getTime() < 60_000);
    });

    it("gives one answer to a wrong password and to an unknown email", async () => {
      const owner = await h.identity.signUpOwner();
      const wrong = await connectErrorOf(
        h.anonymous.auth.login({ email: owner.email, password: "wrong-password" }, fromNewIp()),
      );
      const unknown = await connectErrorOf(
        h.anonymous.auth.login({ email: uniqueEmail("nobody"), password: "wrong-password" }, fromNewIp()),
      );
      assert.equal(wrong.code, Code.Unauthenticated);
      assert.deepEqual([unknown.code, unknown.rawMessage], [wrong.code, wrong.rawMessage]);
      assert.equal(wrong.rawMessage, "invalid email or password");
    });

    it("stores argon2id hashes with at least OWASP's minimum parameters", async () => {
      const owner = await h.identity.signUpOwner();
      const [row] = await adminQuery<{ hash: string }>(
        "select password_hash as hash from tenant.users where id = $1",
        [owner.userId],
      );
      // PHC string: $argon2id$v=19$<k=v,...>$<salt>$<hash>, parameters in any order.
      const match = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(
        row?.hash ?? "",
      );
      assert.ok(match?.[1], `not an argon2id PHC string: ${row?.hash.slice(0, 30)}`);
      const params = new Map(match[1].split(",").map((kv) => kv.split("=") as [string, string]));
      const [m, t, p] = ["m", "t", "p"].map((k) => Number(params.get(k)));
      assert.ok((m ?? 0) >= 19_456 && (t ?? 0) >= 2 && (p ?? 0) >= 1, `m=${m} t=${t} p=${p}`);
      assert.ok(!row?.hash.includes(owner.password));
    });

    it("signs into the tenant asked for, else the one used last", async () => {
      const owner = await h.identity.signUpOwner();
      const other = await h.identity.signUpOwner();
      // The first owner joins the second tenant with their existing account.
      const invited = await other.clients.tenants.inviteMember({
        tenantId: other.tenantId,
        email: owner.email,
        role: MemberRole.ADMIN,
      });
      const accepted = await h.anonymous.tenants.acceptInvitation(
        { invitationToken: invitationToken(h, invited.invitation?.id), password: owner.password },
        fromNewIp(),
      );
      assert.equal(accepted.user?.id, owner.userId);
      assert.equal(claimsOf(accepted.tokens?.accessToken ?? "").role, "admin");

      const last = await h.anonymous.auth.login(
        { email: owner.email, password: owner.password },
        fromNewIp(),
      );
      assert.equal(last.tenantId, other.tenantId);
      const chosen = await h.anonymous.auth.login(
        { email: owner.email, password: owner.password, tenantId: owner.tenantId },
        fromNewIp(),
      );
      assert.equal(chosen.tenantId, owner.tenantId);
      assert.equal(claimsOf(chosen.tokens?.accessToken ?? "").role, "owner");
      const again = await h.anonymous.auth.login(
        { email: owner.email, password: owner.password },
        fromNewIp(),
      );
      assert.equal(again.tenantId, owner.tenantId);

      const foreign = await connectErrorOf(
        h.anonymous.auth.login(
          { email: owner.email, password: owner.password, tenantId: h.admin.tenantId },
          fromNewIp(),
        ),
      );
      assert.equal(foreign.code, Code.PermissionDenied);
    });

    it("gives platform admins padm", async () => {
      const res = await h.anonymous.auth.login(
        { email: h.admin.email, password: h.admin.password },
        fromNewIp(),
      );
      assert.equal(claimsOf(res.tokens?.accessToken ?? "").padm, true);
      const me = await h.as(res.tokens?.accessToken ?? "").auth.getCurrentUser({});
      assert.equal(me.platformAdmin, true);
    });
  });

  describe("RefreshToken and Logout", () => {
    it("rotates: each refresh gives a new pair, and the used token stops working", async () => {
      const owner = await h.identity.signUpOwner();
      const first = owner.tokens.refreshToken;
      const second = (await h.anonymous.auth.refreshToken({ refreshToken: first })).tokens;
      assert.ok(second);
      assert.notEqual(second.refreshToken, first);
      assert.notEqual(second.accessToken, owner.tokens.accessToken);
      assert.equal(claimsOf(second.accessToken).sub, owner.userId);
      const third = (await h.anonymous.auth.refreshToken({ refreshToken: second.refreshToken })).tokens;
      assert.ok(third);
      const rows = await adminQuery<{ used: boolean; replaced: boolean; family: string }>(
        `select used_at is not null as used, replaced_by is not null as replaced, family_id as family
           from tenant.refresh_tokens where user_id = $1 order by created_at`,
        [owner.userId],
      );
      assert.deepEqual(
        rows.map((r) => [r.used, r.replaced]),
        [
          [true, true],
          [true, true],
          [false, false],
        ],
      );
      assert.equal(new Set(rows.map((r) => r.family)).size, 1);
    });

    it("revokes the whole family when a used token comes back", async () => {
      const owner = await h.identity.signUpOwner();
      const stolen = owner.tokens.refreshToken;
      const legit = (await h.anonymous.auth.refreshToken({ refreshToken: stolen })).tokens;
      assert.ok(legit);
      const replay = await connectErrorOf(h.anonymous.auth.refreshToken({ refreshToken: stolen }));
      assert.equal(replay.code, Code.Unauthenticated);
      // The legitimate holder's newer token is dead too: the session is over.
      const after = await connectErrorOf(h.anonymous.auth.refreshToken({ refreshToken: legit.refreshToken }));
      assert.equal(after.code, Code.Unauthenticated);
      const live = await adminQuery(
        "select 1 from tenant.refresh_tokens where user_id = $1 and revoked_at is null",
        [owner.userId],
      );
      assert.equal(live.length, 0);
      assert.ok(h.logs.some((l) => l.includes("a used refresh token was presented again")));
      assert.ok(!h.logs.some((l) => l.includes(stolen)));
    });

    it("logs out: the family is revoked, other sessions stay", async () => {
      const owner = await h.identity.signUpOwner();
      const other = await h.anonymous.auth.login(
        { email: owner.email, password: owner.password },
        fromNewIp(),
      );
      await h.anonymous.auth.logout({ refreshToken: owner.tokens.refreshToken });
      const err = await connectErrorOf(
        h.anonymous.auth.refreshToken({ refreshToken: owner.tokens.refreshToken }),
      );
      assert.equal(err.code, Code.Unauthenticated);
      const stillThere = await h.anonymous.auth.refreshToken({
        refreshToken: other.tokens?.refreshToken ?? "",
      });
      assert.ok(stillThere.tokens?.accessToken);
      // Logging out twice, or with an unknown token, tells nothing.
      await h.anonymous.auth.logout({ refreshToken: owner.tokens.refreshToken });
      await h.anonymous.auth.logout({ refreshToken: "rt_unknown-token-unknown-token" });
    });

    it("refuses garbage and refreshes into the member's current role", async () => {
      const owner = await h.identity.signUpOwner();
      const agent = await h.identity.addMember(owner, MemberRole.AGENT);
      assert.equal(claimsOf(agent.tokens.accessToken).role, "agent");
      await owner.clients.tenants.updateMemberRole({
        tenantId: owner.tenantId,
        userId: agent.userId,
        role: MemberRole.ADMIN,
      });
      const refreshed = await h.anonymous.auth.refreshToken({ refreshToken: agent.tokens.refreshToken });
      assert.equal(claimsOf(refreshed.tokens?.accessToken ?? "").role, "admin");
      const garbage = await connectErrorOf(h.anonymous.auth.refreshToken({ refreshToken: "x".repeat(40) }));
      assert.equal(garbage.code, Code.Unauthenticated);
      assert.equal(headerOf(refreshed.tokens?.accessToken ?? "").typ, "at+jwt");
    });
  });

  it("wrote no credential to its logs in all of the above", () => {
    assert.ok(h.logs.length > 20);
    const credential =
      /eyJ[A-Za-z0-9_-]{10,}\.eyJ|atd_live_[A-Za-z0-9]|rt_[A-Za-z0-9_-]{20}|inv_[A-Za-z0-9_-]{20}|\$argon2id|pw-[A-Za-z0-9_-]{12}/;
    const leaks = h.logs.filter((line) => credential.test(line));
    assert.deepEqual(leaks, []);
  });
});
