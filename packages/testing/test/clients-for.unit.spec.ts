import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http2";
import type { AddressInfo } from "node:net";
import { ApiKeyService, AuthService } from "@atendo/proto/tenant/v1";
import { Code } from "@connectrpc/connect";
import { clientsFor, codeOf } from "../src/index.js";

// A gRPC server that only records what it was sent and answers every call `unimplemented`.
async function startRecorder() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer();
  server.on("stream", (stream, headers) => {
    seen.push(headers);
    stream.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "recorded" },
      { endStream: true },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("clientsFor", () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  before(async () => {
    recorder = await startRecorder();
  });
  afterEach(() => {
    recorder.seen.length = 0;
  });
  after(async () => {
    await recorder?.close();
  });

  it("makes one client per named service, each sending the credential as a bearer token", async () => {
    const clients = clientsFor(recorder.url, "tok-123", { auth: AuthService, keys: ApiKeyService });
    assert.deepEqual(Object.keys(clients), ["auth", "keys"]);
    assert.equal(await codeOf(clients.auth.getCurrentUser({})), Code.Unimplemented);
    assert.equal(await codeOf(clients.keys.listApiKeys({ workspaceId: "w" })), Code.Unimplemented);
    assert.deepEqual(
      recorder.seen.map((h) => [h[":path"], h.authorization]),
      [
        ["/atendo.tenant.v1.AuthService/GetCurrentUser", "Bearer tok-123"],
        ["/atendo.tenant.v1.ApiKeyService/ListApiKeys", "Bearer tok-123"],
      ],
    );
  });

  it("sends no credential without one, and the given headers on every call", async () => {
    const { auth } = clientsFor(
      recorder.url,
      undefined,
      { auth: AuthService },
      { headers: { "x-forwarded-for": "10.1.2.3" } },
    );
    await codeOf(auth.getCurrentUser({}));
    assert.equal(recorder.seen[0]?.authorization, undefined);
    assert.equal(recorder.seen[0]?.["x-forwarded-for"], "10.1.2.3");
  });

  it("lets a header set by the call win over the client's", async () => {
    const { auth } = clientsFor(
      recorder.url,
      "tok-client",
      { auth: AuthService },
      { headers: { "x-forwarded-for": "10.1.2.3" } },
    );
    await codeOf(
      auth.getCurrentUser(
        {},
        { headers: { authorization: "Bearer tok-call", "x-forwarded-for": "10.9.9.9" } },
      ),
    );
    assert.equal(recorder.seen[0]?.authorization, "Bearer tok-call");
    assert.equal(recorder.seen[0]?.["x-forwarded-for"], "10.9.9.9");
  });

  it("gives each call a deadline unless it sets its own", async () => {
    const { auth } = clientsFor(recorder.url, undefined, { auth: AuthService }, { timeoutMs: 1_234 });
    await codeOf(auth.getCurrentUser({}));
    await codeOf(auth.getCurrentUser({}, { timeoutMs: 5_000 }));
    const timeouts = recorder.seen.map((h) => Number(String(h["grpc-timeout"]).replace(/m$/, "")));
    assert.ok((timeouts[0] ?? 0) > 1_000 && (timeouts[0] ?? 0) <= 1_234, `got ${timeouts[0]}`);
    assert.ok((timeouts[1] ?? 0) > 4_000 && (timeouts[1] ?? 0) <= 5_000, `got ${timeouts[1]}`);
  });
});
