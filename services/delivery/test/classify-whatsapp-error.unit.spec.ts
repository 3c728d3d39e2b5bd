import assert from "node:assert/strict";
import { classifyWhatsAppError } from "../src/domain/classify-whatsapp-error.js";

describe("classifyWhatsAppError", () => {
  it("follows docs/meta-wire-format.md code by code", () => {
    const cases: Array<[number, number, string]> = [
      [400, 131047, "permanent"],
      [400, 131026, "permanent"],
      [400, 131030, "permanent"],
      [400, 100, "permanent"],
      [400, 131008, "permanent"],
      [400, 131009, "permanent"],
      [400, 132000, "permanent"],
      [400, 132015, "permanent"],
      [429, 130429, "throughput"],
      [400, 131056, "pair_rate_limit"],
      [500, 131000, "transient"],
      [400, 1, "transient"],
      [400, 2, "transient"],
      [503, 131016, "transient"],
      [401, 190, "auth"],
      [400, 368, "blocked"],
      [400, 131031, "blocked"],
    ];
    for (const [status, code, kind] of cases) {
      assert.equal(classifyWhatsAppError(status, code), kind, `code ${code}`);
    }
  });

  it("falls back to the HTTP status when the code is unknown or missing", () => {
    assert.equal(classifyWhatsAppError(502, undefined), "transient");
    assert.equal(classifyWhatsAppError(500, 99999), "transient");
    assert.equal(classifyWhatsAppError(429, undefined), "throughput");
    assert.equal(classifyWhatsAppError(408, undefined), "transient");
    assert.equal(classifyWhatsAppError(400, 99999), "permanent");
    assert.equal(classifyWhatsAppError(404, undefined), "permanent");
  });
});
