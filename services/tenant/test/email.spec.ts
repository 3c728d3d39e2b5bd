import assert from "node:assert/strict";
import { createServer } from "node:net";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { createLogger } from "@atendo/telemetry";
import {
  adminQuery,
  type FakeSmtp,
  linkFrom,
  newPassword,
  startFakeSmtp,
  tokenOf,
  uniqueEmail,
  uniqueSlug,
  waitFor,
} from "@atendo/testing";
import { loadConfig } from "../src/config.js";
import { createEmailSender } from "../src/email/create-email-sender.js";
import { acceptedLanguages, languageOf } from "../src/email/language.js";
import { createLogSender } from "../src/email/log-sender.js";
import { invitationText, verificationText } from "../src/email/templates.js";
import { startTenantForTest, type TenantHarness, testVariables } from "./support/start-tenant.js";

const FROM = "Atendo Test <no-reply@atendo.test>";
const expiresAt = new Date("2026-07-01T12:30:00Z");

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("email", () => {
  describe("texts and languages", () => {
    it("writes English and Brazilian Portuguese, escaping what people typed", () => {
      const en = verificationText("en", {
        name: "Ana <b>",
        email: "ana@example.com",
        link: "http://c/verify-email#token=vrf_x",
        expiresAt,
      });
      assert.equal(en.subject, "Confirm your email address for Atendo");
      assert.match(en.text, /^Hello Ana <b>,\n\nConfirm that ana@example\.com is your address/);
      assert.match(en.text, /until 2026-07-01 12:30 UTC/);
      assert.match(en.html, /<p>Hello Ana &#60;b&#62;,<\/p>/);
      assert.match(en.html, /<a href="http:\/\/c\/verify-email#token=vrf_x">/);
      const pt = invitationText("pt-BR", {
        tenantName: "Padaria\r\nBcc: x@evil.test",
        role: "admin",
        link: "http://c/invitations/accept#token=inv_y",
        expiresAt,
      });
      assert.equal(
        pt.subject,
        "Convite para Padaria Bcc: x@evil.test no Atendo",
        "no line break in a subject",
      );
      assert.match(pt.text, /como administrador\(a\)/);
      assert.match(pt.text, /http:\/\/c\/invitations\/accept#token=inv_y/);
    });

    it("reads the language from Accept-Language or a workspace's default, English otherwise", () => {
      assert.deepEqual(acceptedLanguages("en;q=0.4, pt-BR, *;q=0.1, fr;q=0"), ["pt-BR", "en"]);
      assert.equal(languageOf(...acceptedLanguages("fr-FR,pt;q=0.8,en;q=0.5")), "pt-BR");
      assert.equal(languageOf("pt-PT"), "pt-BR");
      assert.equal(languageOf("es", undefined, ""), "en");
    });
  });

  describe("the development sender", () => {
    const mail = {
      kind: "invitation" as const,
      to: "ana@example.com",
      subject: "Invitation to Acme on Atendo",
      text: "",
      html: "",
      link: "http://127.0.0.1:7100/invitations/accept#token=inv_secret-token",
      refs: { invitationId: "inv-1", tenantId: "t-1" },
    };

    it("prints the link for the developer in development, and logs ids only", async () => {
      const lines: string[] = [];
      const printed: string[] = [];
      const logger = createLogger({ service: "tenant", destination: { write: (l) => lines.push(l) } });
      await createLogSender({ logger, showLinks: true, print: (l) => printed.push(l) }).send(mail);
      assert.deepEqual(printed, [`${mail.subject} (to ana@example.com): ${mail.link}`]);
      assert.equal(lines.length, 1);
      const logged = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
      assert.deepEqual([logged.email, logged.invitationId, logged.tenantId], ["invitation", "inv-1", "t-1"]);
      assert.ok(!(lines[0] ?? "").includes("inv_secret-token"));
    });

    it("never prints a token outside development", async () => {
      const lines: string[] = [];
      const printed: string[] = [];
      const logger = createLogger({ service: "tenant", destination: { write: (l) => lines.push(l) } });
      await createLogSender({ logger, showLinks: false, print: (l) => printed.push(l) }).send(mail);
      assert.deepEqual(printed, []);
      assert.ok(lines.every((l) => !l.includes("inv_secret-token")));
      // NODE_ENV other than development: the service picks that sender, without a mailbox.
      const staging = loadConfig(testVariables("x", { NODE_ENV: "staging" }));
      assert.deepEqual([staging.development, staging.email.kind], [false, "log"]);
      assert.equal(createEmailSender(staging, logger).devMailbox, undefined);
      const dev = loadConfig(testVariables("x"));
      assert.notEqual(createEmailSender(dev, logger).devMailbox, undefined);
    });

    it("refuses to start in production without SMTP, and never shows the SMTP password", () => {
      const production = {
        ...testVariables("x"),
        NODE_ENV: "production",
        CHANNEL_SECRET_KEYS: `k:${Buffer.alloc(32, 1).toString("base64")}`,
        SERVICE_CREDENTIALS: "ingress:a-credential-of-ingress",
        CONSOLE_URL: "https://console.example.com",
      };
      assert.throws(() => loadConfig(production), /SMTP_URL is missing: production sends invitations/);
      const bad = (env: Record<string, string>) => {
        try {
          loadConfig({ ...production, ...env });
        } catch (err) {
          return (err as Error).message;
        }
        return "";
      };
      const http = bad({ SMTP_URL: "http://mailer:hunter2-secret@smtp.example.com", EMAIL_FROM: FROM });
      assert.match(http, /SMTP_URL is invalid: expected smtp: or smtps:/);
      assert.ok(!http.includes("hunter2-secret"));
      const noFrom = bad({ SMTP_URL: "smtps://mailer:hunter2-secret@smtp.example.com" });
      assert.match(noFrom, /EMAIL_FROM is missing/);
      assert.ok(!noFrom.includes("hunter2-secret"));
      assert.match(
        bad({ SMTP_URL: "smtps://m:p@smtp.example.com", EMAIL_FROM: "not an address" }),
        /EMAIL_FROM is invalid/,
      );
      const ok = loadConfig({
        ...production,
        SMTP_URL: "smtps://mailer:hunter2-secret@smtp.example.com",
        EMAIL_FROM: FROM,
      });
      assert.equal(ok.email.kind, "smtp");
      assert.ok(!JSON.stringify(ok).includes("hunter2-secret"), "the config prints no password");
    });
  });

  describe("the development mailbox", () => {
    let h: TenantHarness;

    before(async () => {
      h = await startTenantForTest({}, { mail: { configured: true } });
    });
    after(async () => {
      await h?.stop();
    });

    it("shows local tools the links the development sender handled, to loopback callers only", async () => {
      // The identity kit verifies through it: this owner's link came from GET /dev/mailbox.
      const owner = await h.identity.signUpOwner();
      const me = await owner.clients.auth.getCurrentUser({});
      assert.equal(me.user?.emailVerified, true);
      const res = await fetch(`${h.url}/dev/mailbox?to=${encodeURIComponent(owner.email.toUpperCase())}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const { messages } = (await res.json()) as { messages: Array<{ kind: string; link: string }> };
      assert.deepEqual(
        messages.map((m) => m.kind),
        ["email_verification"],
      );
      assert.match(messages[0]?.link ?? "", /\/verify-email#token=vrf_/);
      const proxied = await fetch(`${h.url}/dev/mailbox?to=${owner.email}`, {
        headers: { "x-forwarded-for": "203.0.113.5" },
      });
      assert.equal(proxied.status, 404, "a request that came through a proxy gets nothing");
      assert.equal((await fetch(`${h.url}/dev/mailbox`)).status, 400);
    });

    it("does not exist outside development", async () => {
      await h.restart({ NODE_ENV: "staging" });
      assert.equal((await fetch(`${h.url}/dev/mailbox?to=x@example.com`)).status, 404);
      await h.restart({});
    });
  });

  describe("over SMTP (a local SMTP server)", () => {
    let smtp: FakeSmtp;
    let h: TenantHarness;

    before(async () => {
      smtp = await startFakeSmtp();
      h = await startTenantForTest(
        { SMTP_URL: smtp.url, EMAIL_FROM: FROM, SMTP_TIMEOUT_MS: "2000" },
        { mail: { configured: true, mailbox: smtp } },
      );
    });
    after(async () => {
      await h?.stop();
      await smtp?.close();
    });

    it("mails the verification link: envelope, headers, text and HTML, in the sign-up's language", async () => {
      const email = uniqueEmail("smtp");
      await h.anonymous.auth.signUp(
        { email, password: newPassword(), name: "Joana", tenantName: "Loja", tenantSlug: uniqueSlug() },
        { headers: { "accept-language": "pt-BR,pt;q=0.9" } },
      );
      const received = await waitFor(() => smtp.received.find((m) => m.envelope.to.includes(email)));
      assert.deepEqual(received.envelope, { from: "no-reply@atendo.test", to: [email] });
      assert.equal(received.user, "atendo", "logged in with the URL's credentials");
      const { parsed } = received;
      assert.deepEqual(parsed.from?.value, [{ address: "no-reply@atendo.test", name: "Atendo Test" }]);
      assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : "", email);
      assert.equal(parsed.subject, "Confirme seu e-mail no Atendo");
      assert.equal(parsed.headers.get("auto-submitted"), "auto-generated");
      assert.match(parsed.text ?? "", /^Olá, Joana\.\n\nConfirme que .+ é o seu endereço abrindo este link:/);
      const link = await linkFrom(smtp, email, "verification");
      assert.match(link, /^http:\/\/127\.0\.0\.1:7100\/verify-email#token=vrf_[\w-]{43}$/);
      assert.ok(typeof parsed.html === "string" && parsed.html.includes(`<a href="${link}">`));
      const verified = await h.anonymous.auth.verifyEmail({ token: tokenOf(link) });
      assert.equal(verified.user?.emailVerified, true);
    });

    it("mails invitations in the workspace's language, and the link joins", async () => {
      const owner = await h.identity.signUpOwner();
      await owner.clients.tenants.updateWorkspace({
        workspaceId: owner.workspaceId,
        updateMask: { paths: ["default_language"] },
        defaultLanguage: "pt-BR",
      });
      const invitee = uniqueEmail("convidada");
      const res = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email: invitee,
        role: MemberRole.AGENT,
        workspaceIds: [owner.workspaceId],
      });
      assert.equal(res.emailSent, true);
      const received = smtp.received.find((m) => m.envelope.to.includes(invitee));
      assert.equal(received?.parsed.subject, "Convite para Padaria Central no Atendo");
      const accepted = await h.anonymous.tenants.acceptInvitation({
        invitationToken: tokenOf(await linkFrom(smtp, invitee, "invitation")),
        name: "Bia",
        password: newPassword(),
      });
      assert.equal(accepted.member?.email, invitee);
    });

    it("keeps an invitation the server refused valid, and reports the refusal without the token", async () => {
      const owner = await h.identity.signUpOwner();
      const invitee = uniqueEmail("refused");
      smtp.refuseNext({ code: 550, message: "5.1.1 mailbox unavailable" });
      const res = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email: invitee,
        role: MemberRole.AGENT,
      });
      assert.equal(res.emailSent, false);
      const [row] = await adminQuery<{ open: boolean }>(
        "select accepted_at is null and revoked_at is null and expires_at > now() as open from tenant.invitations where id = $1",
        [res.invitation?.id],
      );
      assert.equal(row?.open, true, "the invitation stays valid");
      const line = h.logs.find(
        (l) => l.includes("email could not be sent") && l.includes(res.invitation?.id ?? "?"),
      );
      assert.ok(line, "the failure is reported");
      assert.match(line, /550/);
      assert.match(line, /mailbox unavailable/);
      assert.ok(!/inv_[\w-]{20}|#token=/.test(line), "without the token");
      // Inviting again sends a new link, which works.
      const again = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email: invitee,
        role: MemberRole.AGENT,
      });
      assert.equal(again.emailSent, true);
      await h.anonymous.tenants.acceptInvitation({
        invitationToken: tokenOf(await linkFrom(smtp, invitee, "invitation")),
        name: "Rita",
        password: newPassword(),
      });
    });

    it("answers while the mail server is down or refuses the login, and logs neither password nor token", async () => {
      const owner = await h.identity.signUpOwner({ verify: false });
      const down = `smtp://atendo:smtp-test-password@127.0.0.1:${await closedPort()}`;
      await h.restart({ SMTP_URL: down, EMAIL_FROM: FROM, SMTP_TIMEOUT_MS: "2000" });
      const client = h.as(owner.accessToken);
      const sent = await client.auth.resendVerificationEmail({});
      assert.equal(sent.emailSent, false);
      const line = h.logs.findLast((l) => l.includes("email could not be sent"));
      assert.match(line ?? "", /ECONNECTION|ESOCKET|ECONNREFUSED/);

      await h.restart({
        SMTP_URL: smtp.url.replace("smtp-test-password", "wrong-smtp-password"),
        EMAIL_FROM: FROM,
        SMTP_TIMEOUT_MS: "2000",
      });
      const signedUp = uniqueEmail("auth");
      const res = await h.anonymous.auth.signUp({
        email: signedUp,
        password: newPassword(),
        name: "X",
        tenantName: "Y",
        tenantSlug: uniqueSlug(),
      });
      assert.ok(res.tokens?.accessToken, "the sign-up succeeds; the link can be sent again later");
      const authLine = h.logs.findLast((l) => l.includes("email could not be sent"));
      assert.match(authLine ?? "", /EAUTH/);
      for (const l of h.logs) {
        assert.ok(
          !l.includes("wrong-smtp-password") && !l.includes("smtp-test-password"),
          "no SMTP password",
        );
        assert.ok(!/vrf_[\w-]{20}|inv_[\w-]{20}|#token=/.test(l), `no token: ${l}`);
      }
      await h.restart({ SMTP_URL: smtp.url, EMAIL_FROM: FROM, SMTP_TIMEOUT_MS: "2000" });
    });
  });
});
