import assert from "node:assert/strict";
import { ErrorReason } from "@atendo/proto/common/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { newPassword, uniqueEmail, uniqueSlug, waitFor } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { type CountingArgon2, countingArgon2 } from "./support/counting-argon2.js";
import { rejection } from "./support/rejection.js";
import { randomIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const signUpRequest = (email = uniqueEmail("signup"), tenantSlug = uniqueSlug()) => ({
  email,
  password: newPassword(),
  name: "Sam",
  tenantName: "Sam's",
  tenantSlug,
});
const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });

describe("SignUp limits", () => {
  describe("checks before it hashes, and limits per address and in all", () => {
    let h: TenantHarness;
    let argon2: CountingArgon2;
    // The harness's own sign-up (its platform admin) took one of these.
    const MAX_GLOBAL = 8;

    before(async () => {
      argon2 = countingArgon2();
      h = await startTenantForTest(
        { SIGNUP_MAX_PER_IP: "3", SIGNUP_MAX_GLOBAL: String(MAX_GLOBAL), SIGNUP_WINDOW_S: "600" },
        { argon2: argon2.binding },
      );
    });
    after(async () => {
      await h?.stop();
    });

    it("answers a taken email or slug without spending an argon2 hash", async () => {
      const taken = signUpRequest();
      await h.anonymous.auth.signUp(taken, from(randomIp()));
      const hashes = argon2.hashes;
      const email = await rejection(
        h.anonymous.auth.signUp({ ...signUpRequest(), email: taken.email }, from(randomIp())),
      );
      assert.deepEqual(
        [email.code, email.rawMessage],
        [Code.AlreadyExists, "an account with this email already exists"],
      );
      const slug = await rejection(
        h.anonymous.auth.signUp({ ...signUpRequest(), tenantSlug: taken.tenantSlug }, from(randomIp())),
      );
      assert.equal(slug.code, Code.AlreadyExists);
      assert.match(slug.rawMessage, /a tenant with slug/);
      const invalid = await rejection(
        h.anonymous.auth.signUp({ ...signUpRequest(), name: "   " }, from(randomIp())),
      );
      assert.equal(invalid.code, Code.InvalidArgument);
      assert.equal(argon2.hashes, hashes, "no password was hashed for a sign-up that could not succeed");
    });

    it("limits sign-ups per client address, and all of them together", async () => {
      const ip = randomIp();
      for (let i = 0; i < 3; i++) await h.anonymous.auth.signUp(signUpRequest(), from(ip));
      const hashes = argon2.hashes;
      const fourth = await rejection(h.anonymous.auth.signUp(signUpRequest(), from(ip)));
      assert.deepEqual(
        [fourth.code, fourth.rawMessage],
        [Code.ResourceExhausted, "too many sign-ups from this address; try again later"],
      );
      assert.equal(errorInfoOf(fourth)?.reason, ErrorReason[ErrorReason.RATE_LIMITED]);
      assert.equal(argon2.hashes, hashes);
      // Other addresses are fine, until the window's sign-ups are spent in all (refused attempts
      // count too: a taken email is an answer worth throttling).
      let through = 0;
      let refusal: Awaited<ReturnType<typeof rejection>> | undefined;
      while (refusal === undefined && through < MAX_GLOBAL) {
        try {
          await h.anonymous.auth.signUp(signUpRequest(), from(randomIp()));
          through++;
        } catch (err) {
          refusal = await rejection(Promise.reject(err));
        }
      }
      assert.ok(through > 0, "another address got through");
      assert.deepEqual(
        [refusal?.code, refusal?.rawMessage],
        [Code.ResourceExhausted, "too many sign-ups right now; try again later"],
      );
    });
  });

  describe("hashes new passwords behind their own gate", () => {
    let h: TenantHarness;
    let argon2: CountingArgon2;
    const BURST = 24;

    before(async () => {
      argon2 = countingArgon2();
      h = await startTenantForTest(
        {
          PASSWORD_HASH_CONCURRENCY: "3",
          SIGNUP_HASH_CONCURRENCY: "1",
          SIGNUP_HASH_QUEUE: String(BURST),
        },
        { argon2: argon2.binding },
      );
    });
    after(async () => {
      await h?.stop();
    });

    it("lets a login through a burst of sign-ups after at most the hash already running", async () => {
      const owner = await h.identity.signUpOwner();
      argon2.resetMaxima();
      const start = argon2.events.length;
      const burst = Promise.all(
        Array.from({ length: BURST }, () => h.anonymous.auth.signUp(signUpRequest(), from(randomIp()))),
      );
      // The burst is hashing: the login arrives behind it.
      await waitFor(() => argon2.events.slice(start).includes("hash-start"), {
        message: "a sign-up hashing",
      });
      const login = await h.anonymous.auth.login(
        { email: owner.email, password: owner.password },
        from(randomIp()),
      );
      assert.ok(login.tokens?.accessToken);
      await burst;

      // Counted, not timed: new passwords were hashed one at a time, and while the login's password
      // was checked only the sign-up hash already running and the next in line finished (each as
      // long as the login's own check), not the burst.
      const events = argon2.events.slice(start);
      assert.equal(argon2.maxHashing, 1, "one sign-up hash at a time");
      assert.ok(argon2.maxInFlight <= 3, `argon2 calls at once: ${argon2.maxInFlight}`);
      const from_ = events.indexOf("verify-start");
      const to = events.indexOf("verify-end");
      const finishedMeanwhile = events.slice(from_, to).filter((e) => e === "hash-end").length;
      // (Ungated, the login queues behind the whole burst in libuv's pool and times out.)
      assert.ok(
        finishedMeanwhile <= 3,
        `${finishedMeanwhile} sign-up hashes finished while the login waited`,
      );
      assert.equal(events.filter((e) => e === "hash-end").length, BURST, "every sign-up got through");
    });

    it("refuses sign-ups at once when too many wait to be hashed", async () => {
      const queued = await Promise.allSettled(
        Array.from({ length: BURST * 2 }, () => h.anonymous.auth.signUp(signUpRequest(), from(randomIp()))),
      );
      const refused = queued.filter((r) => r.status === "rejected");
      assert.ok(refused.length > 0, "past the queue, sign-ups are refused");
      for (const r of refused) {
        const err = (r as PromiseRejectedResult).reason as { code?: Code; rawMessage?: string };
        assert.equal(err.code, Code.ResourceExhausted);
        assert.match(err.rawMessage ?? "", /too many passwords are being checked right now/);
      }
    });
  });
});
