import assert from "node:assert/strict";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { connectErrorOf } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { type CountingArgon2, countingArgon2 } from "./support/counting-argon2.js";
import { invitationToken } from "./support/mail.js";
import { randomIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const MAX_PER_ACCOUNT = 3;
const CONCURRENT = 40;

// Many wrong passwords for one account at the same instant, against the real Redis: the attempt is
// reserved before argon2 runs, so no more passwords are checked than the account's limit.
describe("concurrent login attempts", () => {
  let h: TenantHarness;
  let argon2: CountingArgon2;

  before(async () => {
    argon2 = countingArgon2();
    h = await startTenantForTest(
      {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: String(MAX_PER_ACCOUNT),
        LOGIN_MAX_FAILURES_PER_IP: "100000",
        PASSWORD_HASH_QUEUE: "1000",
      },
      { argon2: argon2.binding },
    );
  });
  after(async () => {
    await h?.stop();
  });

  const tally = (codes: Code[]) => ({
    unauthenticated: codes.filter((c) => c === Code.Unauthenticated).length,
    exhausted: codes.filter((c) => c === Code.ResourceExhausted).length,
  });

  it(`verifies at most ${MAX_PER_ACCOUNT} of ${CONCURRENT} simultaneous wrong passwords for one account`, async () => {
    const owner = await h.identity.signUpOwner();
    const before = argon2.verifies;
    const codes = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const err = await connectErrorOf(
          h.anonymous.auth.login(
            { email: owner.email, password: `wrong-password-${i}` },
            { headers: { "x-forwarded-for": randomIp() } },
          ),
        );
        return err.code;
      }),
    );
    const { unauthenticated, exhausted } = tally(codes);
    assert.equal(unauthenticated + exhausted, CONCURRENT, `every answer is one of the two: ${codes}`);
    assert.equal(unauthenticated, MAX_PER_ACCOUNT, "one password checked per reserved attempt");
    assert.equal(argon2.verifies - before, MAX_PER_ACCOUNT, "argon2 verified no more than the limit");
  });

  it("reserves the same way when an existing account accepts an invitation with its password", async () => {
    const owner = await h.identity.signUpOwner();
    const joiner = await h.identity.signUpOwner();
    const invited = await owner.clients.tenants.inviteMember({
      tenantId: owner.tenantId,
      email: joiner.email,
      role: MemberRole.AGENT,
    });
    const token = invitationToken(h, invited.invitation?.id);
    const before = argon2.verifies;
    const codes = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const err = await connectErrorOf(
          h.anonymous.tenants.acceptInvitation(
            { invitationToken: token, password: `wrong-password-${i}` },
            { headers: { "x-forwarded-for": randomIp() } },
          ),
        );
        return err.code;
      }),
    );
    const { unauthenticated, exhausted } = tally(codes);
    assert.deepEqual([unauthenticated, exhausted], [MAX_PER_ACCOUNT, CONCURRENT - MAX_PER_ACCOUNT]);
    assert.equal(argon2.verifies - before, MAX_PER_ACCOUNT);
  });
});
