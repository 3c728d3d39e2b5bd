import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { FakeGraph } from "../src/index.js";
import { startFakeGraph, waitFor } from "../src/index.js";
import { graphError, rawRequest } from "./http.js";

const MEDIA_ID = "2234567890123456";
const BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const TOKEN = "EAAG-media-token";
const AUTH = { authorization: `Bearer ${TOKEN}`, "user-agent": "atendo-ingress/0.1" };

interface MediaInfo {
  messaging_product: string;
  url: string;
  mime_type: string;
  sha256: string;
  file_size: string;
  id: string;
}

async function mediaInfo(fake: FakeGraph, id = MEDIA_ID): Promise<MediaInfo> {
  const res = await rawRequest("GET", `${fake.url}/v23.0/${id}`, AUTH);
  assert.equal(res.status, 200, res.bytes.toString("utf8"));
  return res.json as MediaInfo;
}

describe("fake Graph: WhatsApp media", () => {
  let fake: FakeGraph;
  beforeEach(async () => {
    fake = await startFakeGraph();
    fake.registerToken(TOKEN);
    fake.registerMedia({ id: MEDIA_ID, bytes: BYTES, mimeType: "image/jpeg" });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("describes registered media and serves its bytes at the returned URL", async () => {
    const info = await mediaInfo(fake);
    assert.equal(info.messaging_product, "whatsapp");
    assert.equal(info.id, MEDIA_ID);
    assert.equal(info.mime_type, "image/jpeg");
    assert.equal(info.sha256, createHash("sha256").update(BYTES).digest("hex"));
    assert.equal(info.file_size, String(BYTES.length));
    assert.ok(info.url.startsWith(`${fake.url}/whatsapp_business/attachments/?mid=${MEDIA_ID}`), info.url);

    const download = await rawRequest("GET", info.url, AUTH);
    assert.equal(download.status, 200);
    assert.equal(download.headers["content-type"], "image/jpeg");
    assert.deepEqual(download.bytes, BYTES);
  });

  it("requires the bearer token for the description and the download", async () => {
    const noToken = await rawRequest("GET", `${fake.url}/v23.0/${MEDIA_ID}`, { "user-agent": "x" });
    assert.equal(noToken.status, 401);
    const wrongToken = await rawRequest("GET", `${fake.url}/v23.0/${MEDIA_ID}`, {
      authorization: "Bearer EAAG-other",
      "user-agent": "x",
    });
    assert.equal(graphError(wrongToken).code, 190);

    const { url } = await mediaInfo(fake);
    assert.equal((await rawRequest("GET", url, { "user-agent": "x" })).status, 401);
  });

  it("refuses a download without a User-Agent", async () => {
    const { url } = await mediaInfo(fake);
    const res = await rawRequest("GET", url, { authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 403);
    assert.equal((await rawRequest("GET", url, { ...AUTH, "user-agent": "  " })).status, 403);
  });

  it("answers 404 for an expired URL; a fresh description gives a working one", async () => {
    const { url } = await mediaInfo(fake);
    fake.expireMediaUrls();
    assert.equal((await rawRequest("GET", url, AUTH)).status, 404);
    const fresh = await mediaInfo(fake);
    assert.notEqual(fresh.url, url);
    assert.deepEqual((await rawRequest("GET", fresh.url, AUTH)).bytes, BYTES);
  });

  it("expires URLs after the configured lifetime", async () => {
    const shortLived = await startFakeGraph({ mediaUrlTtlMs: 30 });
    try {
      shortLived.registerMedia({ id: "m1", bytes: "voice", mimeType: "audio/ogg" });
      const info = (await rawRequest("GET", `${shortLived.url}/v23.0/m1`, AUTH)).json as MediaInfo;
      await waitFor(async () => (await rawRequest("GET", info.url, AUTH)).status === 404, {
        timeoutMs: 5_000,
        message: "the media URL to expire",
      });
    } finally {
      await shortLived.close();
    }
  });

  it("answers 404 for a tampered URL and Graph's error for unknown media", async () => {
    const { url } = await mediaInfo(fake);
    const tampered = new URL(url);
    tampered.searchParams.set("hash", "forged");
    assert.equal((await rawRequest("GET", tampered.toString(), AUTH)).status, 404);

    const unknown = await rawRequest("GET", `${fake.url}/v23.0/999999`, AUTH);
    assert.equal(unknown.status, 400);
    const error = graphError(unknown);
    assert.equal(error.code, 100);
    assert.equal(error.error_subcode, 33);
    assert.match(error.message, /Object with ID '999999' does not exist/);
  });

  it("validates registrations", () => {
    assert.throws(() => fake.registerMedia({ id: "", bytes: BYTES, mimeType: "image/jpeg" }), /media id/);
    assert.throws(() => fake.registerMedia({ id: "x", bytes: BYTES, mimeType: "" }), /mimeType/);
    const registered = fake.registerMedia({ id: "doc", bytes: "%PDF-1.7", mimeType: "application/pdf" });
    assert.equal(registered.fileSize, 8);
  });
});
