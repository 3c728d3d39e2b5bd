import assert from "node:assert/strict";
import { ErrorReason, ErrorReasonSchema, InteractiveReplyKindSchema } from "@atendo/proto/common/v1";
import { ErrorInfoSchema } from "@atendo/proto/google/rpc";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { errorInfoOf, planLimitReached, reasonError, reasonInfo, withReason } from "../src/index.js";
import { EchoService } from "./support/echo-service.js";
import { type EchoServer, startEchoServer } from "./support/start-echo-server.js";

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to fail");
}

describe("errors: reasons of the catalogue", () => {
  it("gives every shared reason a status code and a name without the prefix", () => {
    for (const value of ErrorReasonSchema.values) {
      if (value.number === ErrorReason.UNSPECIFIED) continue;
      const info = reasonInfo(value);
      assert.match(info.reason, /^[A-Z][A-Z0-9_]+[A-Z0-9]$/, value.name);
      assert.equal(info.domain, "atendo.common.v1");
      assert.ok(info.code > 0 && info.code <= 16, `${value.name} has a code`);
    }
  });

  it("builds the error with the reason's code and an ErrorInfo", () => {
    const err = planLimitReached("channels", 3, "the Free plan allows 3 channels");
    assert.equal(err.code, Code.ResourceExhausted);
    const info = errorInfoOf(err);
    assert.deepEqual(
      { reason: info?.reason, domain: info?.domain, metadata: info?.metadata },
      { reason: "PLAN_LIMIT_REACHED", domain: "atendo.common.v1", metadata: { limit: "channels", max: "3" } },
    );
    const etag = reasonError(ErrorReasonSchema, ErrorReason.ETAG_MISMATCH, "changed");
    assert.equal(etag.code, Code.Aborted);
  });

  it("refuses an enum that is not an ErrorReason of the catalogue", () => {
    const value = InteractiveReplyKindSchema.values[1];
    assert.ok(value);
    assert.throws(() => reasonInfo(value), /not an error reason of the catalogue/);
  });

  it("gives an error without one the fallback reason of its code", () => {
    const err = withReason(new ConnectError("slow down", Code.ResourceExhausted));
    assert.equal(errorInfoOf(err)?.reason, "RESOURCE_EXHAUSTED");
    // A precise reason is kept.
    const precise = withReason(planLimitReached("seats", 1, "one seat"));
    assert.equal(precise.findDetails(ErrorInfoSchema).length, 1);
    assert.equal(errorInfoOf(precise)?.reason, "PLAN_LIMIT_REACHED");
  });

  describe("over the wire", () => {
    let s: EchoServer;
    beforeEach(async () => {
      s = await startEchoServer();
    });
    afterEach(() => s.server.close());

    for (const [name, transport] of [
      ["connect", (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
      ["grpc", (baseUrl: string) => createGrpcTransport({ baseUrl })],
    ] as const) {
      it(`answers every error with an ErrorInfo (${name})`, async () => {
        const client = createClient(EchoService, transport(s.baseUrl));
        const missing = await failure(client.echo({ text: "c-42", mode: "missing" }));
        assert.equal(missing.code, Code.NotFound);
        assert.equal(errorInfoOf(missing)?.reason, "NOT_FOUND");
        assert.deepEqual(errorInfoOf(missing)?.metadata, { resource: "contact", id: "c-42" });

        const invalid = await failure(client.echo({ text: "" }));
        assert.equal(invalid.code, Code.InvalidArgument);
        assert.equal(errorInfoOf(invalid)?.reason, "INVALID_ARGUMENT");
        assert.deepEqual(errorInfoOf(invalid)?.metadata, { field: "text", rule: "string.min_len" });

        const boom = await failure(client.echo({ text: "x", mode: "boom" }));
        assert.equal(boom.code, Code.Internal);
        assert.equal(errorInfoOf(boom)?.reason, "INTERNAL");
        assert.equal(errorInfoOf(boom)?.domain, "atendo.common.v1");
      });
    }
  });
});
