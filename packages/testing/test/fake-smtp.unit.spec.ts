// The SMTP fake against nodemailer, the client the tenant service sends with: what it takes, what
// it refuses, and the mailbox helpers tests read links with.
import assert from "node:assert/strict";
import nodemailer from "nodemailer";
import { type FakeSmtp, linkFrom, linksIn, startFakeSmtp, tokenOf } from "../src/index.js";

describe("startFakeSmtp (a local SMTP server)", () => {
  let smtp: FakeSmtp;

  before(async () => {
    smtp = await startFakeSmtp();
  });
  after(async () => {
    await smtp?.close();
  });

  const send = (url: string, to: string, text: string) =>
    nodemailer.createTransport({ url, connectionTimeout: 2000 }).sendMail({
      from: "Sender <from@example.com>",
      to,
      subject: "Hello",
      text,
      html: `<p>${text}</p>`,
    });

  it("takes a message over real SMTP after the login, and parses it", async () => {
    const text = "Open http://console.test/verify-email#token=vrf_abc123 now";
    await send(smtp.url, "Ana@Example.com", text);
    const [mail] = smtp.received.slice(-1);
    // nodemailer lowercases the domain (only).
    assert.deepEqual(mail?.envelope, { from: "from@example.com", to: ["Ana@example.com"] });
    assert.equal(mail?.user, "atendo");
    assert.equal(mail?.parsed.subject, "Hello");
    assert.equal(mail?.parsed.text?.trim(), text);
    const messages = await smtp.messagesTo("ana@example.com");
    assert.deepEqual(messages.at(-1)?.links, ["http://console.test/verify-email#token=vrf_abc123"]);
    const link = await linkFrom(smtp, "ana@example.com", "verification");
    assert.equal(tokenOf(link), "vrf_abc123");
  });

  it("refuses a message with the reply asked for, and a wrong login", async () => {
    smtp.refuseNext({ code: 550, message: "5.1.1 mailbox unavailable" });
    const count = smtp.received.length;
    await assert.rejects(send(smtp.url, "b@example.com", "x"), (err: { responseCode?: number }) => {
      return err.responseCode === 550;
    });
    await assert.rejects(send(smtp.url.replace("smtp-test-password", "nope"), "b@example.com", "x"), {
      code: "EAUTH",
    });
    assert.equal(smtp.received.length, count);
    await send(smtp.url, "b@example.com", "fine");
    assert.equal(smtp.received.length, count + 1, "only the next message was refused");
  });

  it("finds links in text and the token in a link's fragment", () => {
    assert.deepEqual(linksIn("a https://x.test/a#token=t1, and\nhttp://y.test/b."), [
      "https://x.test/a#token=t1",
      "http://y.test/b",
    ]);
    assert.equal(tokenOf("https://x.test/invitations/accept#token=inv_1"), "inv_1");
    assert.throws(() => tokenOf("https://x.test/nothing"), /no #token=/);
  });
});
