import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ErrorReason } from "@atendo/proto/common/v1";
import { MemberRole, ErrorReason as TenantReason } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, newPassword, uniqueEmail, uniqueSlug } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { invitationToken, mailedToken } from "./support/mail.js";
import { rejection } from "./support/rejection.js";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf } from "./support/tokens.js";

describe("email verification and platform admins", () => {
  // Listed in PLATFORM_ADMIN_EMAILS and not signed up by anyone yet: whoever signs up first gets it.
  const listed = uniqueEmail("listed");
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({ PLATFORM_ADMIN_EMAILS: listed });
  });
  after(async () => {
    await h?.stop();
  });

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const signUp = (email: string, headers: Record<string, string> = {}) =>
    h.anonymous.auth.signUp(
      { email, password: newPassword(), name: "Nora", tenantName: "Shop", tenantSlug: uniqueSlug() },
      { headers },
    );

  it("grants a listed address platform admin only once its owner opened the mailed link", async () => {
    const password = newPassword();
    const res = await h.anonymous.auth.signUp({
      email: listed,
      password,
      name: "Mallory",
      tenantName: "Not the platform",
      tenantSlug: uniqueSlug(),
    });
    assert.equal(res.user?.emailVerified, false);
    const token = res.tokens?.accessToken ?? "";
    assert.equal(claimsOf(token).padm, undefined, "no padm for an address nobody proved");
    const refused = await rejection(h.anonymous.tenants.listTenants({}, bearer(token)));
    assert.equal(refused.code, Code.PermissionDenied);
    // Logging in again changes nothing.
    const again = await h.anonymous.auth.login({ email: listed, password }, fromNewIp());
    assert.equal(claimsOf(again.tokens?.accessToken ?? "").padm, undefined);

    // The owner of the mailbox opens the link the sender got.
    const verified = await h.anonymous.auth.verifyEmail({
      token: await mailedToken(h, listed, "verification"),
    });
    assert.deepEqual([verified.user?.email, verified.user?.emailVerified], [listed, true]);
    // The session refreshes into platform admin; so does a new login.
    const refreshed = await h.anonymous.auth.refreshToken({ refreshToken: again.tokens?.refreshToken ?? "" });
    const admin = refreshed.tokens?.accessToken ?? "";
    assert.equal(claimsOf(admin).padm, true);
    const tenants = await h.anonymous.tenants.listTenants({}, bearer(admin));
    assert.ok(tenants.tenants.length > 0);
    const me = await h.anonymous.auth.getCurrentUser({}, bearer(admin));
    assert.deepEqual([me.platformAdmin, me.user?.emailVerified], [true, true]);
  });

  it("mails a single-use, expiring link whose token is stored only as its hash, in the fragment", async () => {
    const email = uniqueEmail("link");
    const res = await signUp(email);
    const [mail] = h.mail.filter((m) => m.to === email);
    assert.ok(mail);
    assert.equal(mail.kind, "email_verification");
    assert.match(mail.link, /^http:\/\/127\.0\.0\.1:7100\/verify-email#token=vrf_[\w-]{43}$/);
    assert.match(mail.text, /Confirm that .+ is your address/);
    assert.match(mail.html, /<a href="http:\/\/127\.0\.0\.1:7100\/verify-email#token=vrf_/);
    const token = await mailedToken(h, email, "verification");
    const rows = await adminQuery<{ token_hash: Buffer; expires: boolean }>(
      `select token_hash, expires_at between now() + interval '23 hours' and now() + interval '25 hours' as expires
         from tenant.email_verifications where user_id = $1`,
      [res.user?.id],
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]?.token_hash, createHash("sha256").update(token).digest());
    assert.equal(rows[0]?.expires, true, "the link works for 24 hours");
    assert.ok(!h.logs.some((l) => l.includes(token)), "no log line holds the token");

    await h.anonymous.auth.verifyEmail({ token });
    const twice = await rejection(h.anonymous.auth.verifyEmail({ token }));
    assert.deepEqual(
      [twice.code, twice.rawMessage],
      [Code.Unauthenticated, "invalid or expired verification link; ask for a new one"],
    );
    const bogus = await rejection(h.anonymous.auth.verifyEmail({ token: "vrf_not-a-token-we-sent-anyone" }));
    assert.equal(bogus.code, Code.Unauthenticated);

    // An expired link verifies nothing.
    const late = uniqueEmail("late");
    const lateUser = await signUp(late);
    await adminQuery(
      "update tenant.email_verifications set expires_at = now() - interval '1 second' where user_id = $1",
      [lateUser.user?.id],
    );
    const expired = await rejection(
      h.anonymous.auth.verifyEmail({ token: await mailedToken(h, late, "verification") }),
    );
    assert.equal(expired.code, Code.Unauthenticated);
    const [state] = await adminQuery<{ verified: boolean }>(
      "select email_verified_at is not null as verified from tenant.users where id = $1",
      [lateUser.user?.id],
    );
    assert.equal(state?.verified, false);
  });

  it("keeps an unverified owner to setting up: no invitations, API keys or channels until verified", async () => {
    const owner = await h.identity.signUpOwner({ verify: false });
    const { tenants, apiKeys, channels } = owner.clients;
    // What they can do: set up the tenant and workspaces.
    await tenants.updateTenant({
      tenantId: owner.tenantId,
      updateMask: { paths: ["name"] },
      name: "Padaria",
    });
    await tenants.updateWorkspace({
      workspaceId: owner.workspaceId,
      updateMask: { paths: ["default_language"] },
      defaultLanguage: "pt-BR",
    });
    const blocked = [
      await rejection(
        tenants.inviteMember({ tenantId: owner.tenantId, email: uniqueEmail(), role: MemberRole.AGENT }),
      ),
      await rejection(
        apiKeys.createApiKey({ workspaceId: owner.workspaceId, name: "k", scopes: ["channels:read"] }),
      ),
      await rejection(
        channels.createChannel({
          workspaceId: owner.workspaceId,
          name: "Site",
          config: { case: "web", value: {} },
        }),
      ),
    ];
    for (const [err, what] of blocked.map(
      (e, i) => [e, ["invite members", "create API keys", "connect channels"][i]] as const,
    )) {
      assert.equal(err.code, Code.FailedPrecondition, what);
      assert.equal(errorInfoOf(err)?.reason, ErrorReason[ErrorReason.EMAIL_NOT_VERIFIED], what);
      assert.match(
        err.rawMessage,
        new RegExp(`^verify your email address before you ${what}: .*ResendVerificationEmail`),
      );
    }
    // Once verified (the same session: the check reads the account, not the token), all of it works.
    await h.anonymous.auth.verifyEmail({ token: await mailedToken(h, owner.email, "verification") });
    await tenants.inviteMember({ tenantId: owner.tenantId, email: uniqueEmail(), role: MemberRole.AGENT });
    await apiKeys.createApiKey({ workspaceId: owner.workspaceId, name: "k", scopes: ["channels:read"] });
    await channels.createChannel({
      workspaceId: owner.workspaceId,
      name: "Site",
      config: { case: "web", value: {} },
    });
  });

  it("sends the link again at most once a minute, in the language asked for, and never to a verified account", async () => {
    const owner = await h.identity.signUpOwner({ verify: false });
    const before = h.mail.filter((m) => m.to === owner.email).length;
    const first = await owner.clients.auth.resendVerificationEmail(
      {},
      { headers: { "accept-language": "pt-BR,pt;q=0.9,en;q=0.5" } },
    );
    assert.equal(first.emailSent, true);
    const sent = h.mail.filter((m) => m.to === owner.email);
    assert.equal(sent.length, before + 1);
    assert.equal(sent.at(-1)?.subject, "Confirme seu e-mail no Atendo");
    assert.match(sent.at(-1)?.text ?? "", /Confirme que .+ é o seu endereço/);
    const soon = await rejection(owner.clients.auth.resendVerificationEmail({}));
    assert.equal(soon.code, Code.ResourceExhausted);
    assert.match(soon.rawMessage, /less than 60 seconds ago/);
    assert.equal(errorInfoOf(soon)?.reason, ErrorReason[ErrorReason.RATE_LIMITED]);
    assert.ok(Number(errorInfoOf(soon)?.metadata.retry_after_s) <= 60);
    assert.equal(h.mail.filter((m) => m.to === owner.email).length, before + 1);

    // Either link works (the newest here); then both are used up.
    const oldest = sent[0]?.link.split("#token=")[1] ?? "";
    await h.anonymous.auth.verifyEmail({ token: await mailedToken(h, owner.email, "verification") });
    const used = await rejection(h.anonymous.auth.verifyEmail({ token: oldest }));
    assert.equal(used.code, Code.Unauthenticated);
    assert.equal(errorInfoOf(used)?.reason, TenantReason[TenantReason.VERIFICATION_LINK_INVALID]);
    const done = await rejection(owner.clients.auth.resendVerificationEmail({}));
    assert.deepEqual(
      [done.code, done.rawMessage],
      [Code.FailedPrecondition, "your email address is already verified"],
    );
    assert.equal(errorInfoOf(done)?.reason, TenantReason[TenantReason.EMAIL_ALREADY_VERIFIED]);
  });

  it("counts an accepted invitation as proof of the address, for new and existing accounts", async () => {
    const owner = await h.identity.signUpOwner();
    await h.identity.raiseLimits(owner.tenantId);
    const newcomer = uniqueEmail("newcomer");
    const invited = await owner.clients.tenants.inviteMember({
      tenantId: owner.tenantId,
      email: newcomer,
      role: MemberRole.AGENT,
    });
    const joined = await h.anonymous.tenants.acceptInvitation({
      invitationToken: invitationToken(h, invited.invitation?.id),
      name: "Nina",
      password: newPassword(),
    });
    assert.equal(joined.user?.emailVerified, true);

    const unverified = await h.identity.signUpOwner({ verify: false });
    const second = await owner.clients.tenants.inviteMember({
      tenantId: owner.tenantId,
      email: unverified.email,
      role: MemberRole.AGENT,
    });
    const accepted = await unverified.clients.tenants.acceptInvitation({
      invitationToken: invitationToken(h, second.invitation?.id),
      password: unverified.password,
    });
    assert.equal(accepted.user?.emailVerified, true);
    // Their own tenant is no longer limited either.
    await unverified.clients.apiKeys.createApiKey({
      workspaceId: unverified.workspaceId,
      name: "k",
      scopes: ["channels:read"],
    });
  });
});
