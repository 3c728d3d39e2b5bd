import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TenantService } from "@atendo/proto/tenant/v1";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { errorInfoReasons, expectConnectError } from "../src/index.js";

/** google.rpc.ErrorInfo on the wire: reason (1), domain (2). */
function errorInfo(reason: string): string {
  const bytes = new BinaryWriter()
    .tag(1, WireType.LengthDelimited)
    .string(reason)
    .tag(2, WireType.LengthDelimited)
    .string("atendo.dev")
    .finish();
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}

/**
 * A server answering every unary Connect call with the error it is given, in the Connect protocol's
 * own JSON form (details as type + base64 of the message), as a real service sends it.
 */
async function startErrorServer(): Promise<{
  server: Server;
  url: string;
  answer(body: object, status: number): void;
}> {
  let reply = { status: 500, body: {} as object };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    answer(body, status) {
      reply = { status, body };
    },
  };
}

describe("expectConnectError (a Connect client against a server speaking the wire format)", () => {
  let s: Awaited<ReturnType<typeof startErrorServer>>;
  const call = () =>
    createClient(TenantService, createConnectTransport({ baseUrl: s.url, httpVersion: "1.1" })).getTenant({
      tenantId: "0190f000-0000-7000-8000-00000000beef",
    });

  before(async () => {
    s = await startErrorServer();
    s.answer(
      {
        code: "resource_exhausted",
        message: "the plan allows 3 workspaces",
        details: [{ type: "google.rpc.ErrorInfo", value: errorInfo("PLAN_LIMIT_REACHED") }],
      },
      429,
    );
  });
  after(() => new Promise((done) => s.server.close(done)));

  it("passes on the code, message and ErrorInfo reason, and returns the error", async () => {
    const err = await expectConnectError(call(), Code.ResourceExhausted, {
      message: /3 workspaces/,
      reason: "PLAN_LIMIT_REACHED",
    });
    assert.deepEqual(errorInfoReasons(err), ["PLAN_LIMIT_REACHED"]);
    await expectConnectError(call(), Code.ResourceExhausted);
  });

  it("fails on another code, message or reason, and on a call that succeeds", async () => {
    await assert.rejects(
      expectConnectError(call(), Code.PermissionDenied),
      /expected PermissionDenied, got ResourceExhausted/,
    );
    await assert.rejects(
      expectConnectError(call(), Code.ResourceExhausted, { message: /members/ }),
      /did not match/,
    );
    await assert.rejects(
      expectConnectError(call(), Code.ResourceExhausted, { reason: "LOGIN_THROTTLED" }),
      /the ErrorInfo reason/,
    );
    await assert.rejects(
      expectConnectError(Promise.resolve({}), Code.NotFound),
      /expected the call to fail with NotFound/,
    );
  });

  it("fails on a reason asked for when the error carries none", async () => {
    s.answer({ code: "resource_exhausted", message: "slow down" }, 429);
    await assert.rejects(
      expectConnectError(call(), Code.ResourceExhausted, { reason: "LOGIN_THROTTLED" }),
      /the ErrorInfo reason/,
    );
  });
});
