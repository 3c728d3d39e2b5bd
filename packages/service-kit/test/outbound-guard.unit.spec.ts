import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createOutboundGuard,
  guardedGet,
  isBlockedAddress,
  OutboundUrlRefused,
  ResponseTooLarge,
} from "../src/index.js";

describe("outbound guard (SSRF)", () => {
  let server: Server;
  let port = 0;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/big") res.writeHead(200, { "content-length": "2048" }).end(Buffer.alloc(2048));
      else if (req.url === "/chunked") {
        res.writeHead(200);
        res.write(Buffer.alloc(600));
        res.end(Buffer.alloc(600));
      } else if (req.url === "/hop") res.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
      else res.writeHead(200, { "content-type": "text/plain" }).end(`ua=${req.headers["user-agent"] ?? ""}`);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("classifies private, loopback, link-local and mapped addresses as blocked, public ones not", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "0.0.0.0",
      "100.64.0.1",
    ]) {
      assert.equal(isBlockedAddress(a), true, a);
    }
    for (const a of ["157.240.1.35", "2a03:2880:f10c:83:face:b00c:0:25de", "8.8.8.8"]) {
      assert.equal(isBlockedAddress(a), false, a);
    }
  });

  it("refuses other protocols, credentials in the URL and blocked IP literals", () => {
    const guard = createOutboundGuard({ allowPrivateNetworks: false });
    assert.throws(() => guard.checkUrl("file:///etc/passwd"), OutboundUrlRefused);
    assert.throws(() => guard.checkUrl("https://user:pw@example.com/"), OutboundUrlRefused);
    assert.throws(() => guard.checkUrl("http://169.254.169.254/latest/meta-data"), OutboundUrlRefused);
    assert.throws(() => guard.checkUrl("http://[::1]:80/"), OutboundUrlRefused);
    assert.equal(guard.checkUrl("https://lookaside.fbsbx.com/x").hostname, "lookaside.fbsbx.com");
  });

  it("refuses a name that resolves to a blocked address, at connect time", async () => {
    const guard = createOutboundGuard({ allowPrivateNetworks: false });
    await assert.rejects(
      guardedGet(`http://localhost:${port}/`, { guard, maxBytes: 1024 }),
      OutboundUrlRefused,
    );
  });

  it("fetches local addresses when private networks are allowed (development), with the headers given", async () => {
    const guard = createOutboundGuard({ allowPrivateNetworks: true });
    const res = await guardedGet(`http://localhost:${port}/`, {
      guard,
      maxBytes: 1024,
      headers: { "user-agent": "atendo-test" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), "ua=atendo-test");
  });

  it("stops at the byte limit, declared or streamed", async () => {
    const guard = createOutboundGuard({ allowPrivateNetworks: true });
    await assert.rejects(
      guardedGet(`http://127.0.0.1:${port}/big`, { guard, maxBytes: 1024 }),
      ResponseTooLarge,
    );
    await assert.rejects(
      guardedGet(`http://127.0.0.1:${port}/chunked`, { guard, maxBytes: 1024 }),
      ResponseTooLarge,
    );
  });

  it("checks every redirect through the guard", async () => {
    const guard = createOutboundGuard({ allowPrivateNetworks: false });
    const local = createOutboundGuard({ allowPrivateNetworks: true });
    // The first hop is allowed here only to reach the redirect; its target is checked on its own.
    const mixed = {
      checkUrl: (u: string | URL) => (String(u).includes("169.254") ? guard.checkUrl(u) : local.checkUrl(u)),
      lookup: local.lookup,
    };
    await assert.rejects(
      guardedGet(`http://127.0.0.1:${port}/hop`, { guard: mixed, maxBytes: 1024 }),
      OutboundUrlRefused,
    );
  });
});
