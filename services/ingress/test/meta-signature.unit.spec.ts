import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFixture } from "@atendo/testing";
import { verifyMetaSignature } from "../src/domain/meta-signature.js";
import { answerHandshake } from "../src/domain/verify-handshake.js";

// Vectors of packages/testing/fixtures/README.md.
describe("verifyMetaSignature", () => {
  it("accepts the README vectors", () => {
    assert.deepEqual(
      verifyMetaSignature(
        "secret",
        Buffer.from("test"),
        "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
      ),
      { ok: true },
    );
    assert.deepEqual(
      verifyMetaSignature(
        "test-app-secret",
        Buffer.from('{"object":"whatsapp_business_account","entry":[]}'),
        "sha256=c84a394cc475525991e78ff16e430b02e47f953877d2af0ade26956ce6f384dc",
      ),
      { ok: true },
    );
    assert.deepEqual(
      verifyMetaSignature(
        "test-app-secret",
        readFixture("whatsapp/two-text-messages.json"),
        "sha256=06252a8e6a73bb1882f9c0289a386f3ab9cd22d190871736a6be6ce7b254b69d",
      ),
      { ok: true },
    );
  });

  it("hashes the raw bytes: the re-serialised body does not verify", () => {
    const raw = readFixture("whatsapp/two-text-messages.json");
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString("utf8"))));
    const header = "sha256=06252a8e6a73bb1882f9c0289a386f3ab9cd22d190871736a6be6ce7b254b69d";
    assert.deepEqual(verifyMetaSignature("test-app-secret", reserialised, header), {
      ok: false,
      reason: "bad signature",
    });
  });

  it("rejects another secret, a missing header and malformed headers", () => {
    const body = Buffer.from("test");
    const good = createHmac("sha256", "secret").update(body).digest("hex");
    assert.deepEqual(verifyMetaSignature("other", body, `sha256=${good}`), {
      ok: false,
      reason: "bad signature",
    });
    assert.deepEqual(verifyMetaSignature("secret", body, undefined), {
      ok: false,
      reason: "missing signature",
    });
    assert.deepEqual(verifyMetaSignature("secret", body, ""), { ok: false, reason: "missing signature" });
    for (const header of [good, `sha1=${good}`, `sha256=${good.slice(2)}`, `sha256=${good}00`, "sha256=zz"]) {
      assert.deepEqual(
        verifyMetaSignature("secret", body, header),
        { ok: false, reason: "bad signature" },
        header,
      );
    }
  });

  it("accepts upper-case hex", () => {
    const body = Buffer.from("test");
    const good = createHmac("sha256", "secret").update(body).digest("hex").toUpperCase();
    assert.deepEqual(verifyMetaSignature("secret", body, `sha256=${good}`), { ok: true });
  });
});

describe("answerHandshake", () => {
  const q = (s: string) => new URLSearchParams(s);

  it("answers the bare challenge when mode and token match", () => {
    assert.deepEqual(
      answerHandshake(q("hub.mode=subscribe&hub.verify_token=tok-1&hub.challenge=1158201444"), "tok-1"),
      {
        status: 200,
        challenge: "1158201444",
      },
    );
  });

  it("refuses a wrong token, a wrong mode or no token with 403", () => {
    for (const query of [
      "hub.mode=subscribe&hub.verify_token=tok-2&hub.challenge=1",
      "hub.mode=unsubscribe&hub.verify_token=tok-1&hub.challenge=1",
      "hub.mode=subscribe&hub.challenge=1",
      "",
    ]) {
      assert.equal(answerHandshake(q(query), "tok-1").status, 403, query);
    }
    // A channel without a verify token never verifies.
    assert.equal(answerHandshake(q("hub.mode=subscribe&hub.verify_token=&hub.challenge=1"), "").status, 403);
  });

  it("needs a challenge of sane length", () => {
    assert.equal(answerHandshake(q("hub.mode=subscribe&hub.verify_token=t"), "t").status, 400);
    assert.equal(
      answerHandshake(q(`hub.mode=subscribe&hub.verify_token=t&hub.challenge=${"9".repeat(300)}`), "t")
        .status,
      400,
    );
  });
});
