import assert from "node:assert/strict";
import { ErrorReason as TenantReason } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { newPassword, uniqueEmail, uniqueSlug } from "@atendo/testing";
import { Code, type ConnectError } from "@connectrpc/connect";
import { rejection } from "./support/rejection.js";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

// The errors a client branches on carry a reason of the catalogue (google.rpc.ErrorInfo): the
// tenant service's own (domain atendo.tenant.v1) or a shared one (atendo.common.v1).

const tenantReason = (err: ConnectError, reason: TenantReason) => {
  assert.deepEqual(
    [errorInfoOf(err)?.domain, errorInfoOf(err)?.reason],
    ["atendo.tenant.v1", TenantReason[reason]],
    err.rawMessage,
  );
};

describe("error reasons of the tenant service", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  it("tells a taken email from a taken slug when signing up", async () => {
    const owner = await h.identity.signUpOwner();
    const base = { password: newPassword(), name: "N", tenantName: "T" };
    const email = await rejection(
      h.anonymous.auth.signUp({ ...base, email: owner.email, tenantSlug: uniqueSlug("x") }),
    );
    assert.equal(email.code, Code.AlreadyExists);
    tenantReason(email, TenantReason.EMAIL_TAKEN);
    const slug = await rejection(
      h.anonymous.auth.signUp({ ...base, email: uniqueEmail(), tenantSlug: owner.tenantSlug }),
    );
    assert.equal(slug.code, Code.AlreadyExists);
    tenantReason(slug, TenantReason.SLUG_TAKEN);
    assert.equal(errorInfoOf(slug)?.metadata.slug, owner.tenantSlug);
  });

  it("says a login failed, and why when the account has no tenant to enter", async () => {
    const owner = await h.identity.signUpOwner();
    const wrong = await rejection(
      h.anonymous.auth.login({ email: owner.email, password: "not-the-password" }, fromNewIp()),
    );
    tenantReason(wrong, TenantReason.INVALID_LOGIN);
    const stranger = await h.identity.signUpOwner();
    const notMember = await rejection(
      h.anonymous.auth.login(
        { email: owner.email, password: owner.password, tenantId: stranger.tenantId },
        fromNewIp(),
      ),
    );
    assert.equal(notMember.code, Code.PermissionDenied);
    tenantReason(notMember, TenantReason.NOT_A_MEMBER);
  });
});
