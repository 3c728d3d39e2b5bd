import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { clientIp, UNKNOWN_CLIENT } from "../src/index.js";

describe("clientIp", () => {
  it("takes the right-most X-Forwarded-For entry of Connect headers, nothing a client claims", () => {
    const h = (value?: string) => new Headers(value === undefined ? {} : { "x-forwarded-for": value });
    assert.equal(clientIp(h("198.51.100.7, 10.0.0.5")), "10.0.0.5");
    assert.equal(clientIp(h("2001:db8::1")), "2001:db8::1");
    assert.equal(clientIp(h("10.0.0.5, not-an-ip")), UNKNOWN_CLIENT);
    assert.equal(clientIp(h()), UNKNOWN_CLIENT);
    assert.equal(clientIp(h(), "192.0.2.1"), "192.0.2.1", "no header: the direct peer when given");
    assert.equal(clientIp(h("10.0.0.5"), "192.0.2.1"), "10.0.0.5", "the header wins over the peer");
  });

  it("reads node:http headers, repeated X-Forwarded-For included, and IPv4-mapped peers", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(clientIp(req.headers, req.socket.remoteAddress));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await fetch(url);
      await fetch(url, { headers: { "x-forwarded-for": "203.0.113.9, 10.1.2.3" } });
      // Two header lines: the client's own, then the one the edge appended.
      const twice = new Headers();
      twice.append("x-forwarded-for", "203.0.113.9");
      twice.append("x-forwarded-for", "10.9.9.9");
      await fetch(url, { headers: twice });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.deepEqual(seen, ["127.0.0.1", "10.1.2.3", "10.9.9.9"]);
    const node: IncomingHttpHeaders = { "x-forwarded-for": "::ffff:10.0.0.8" };
    assert.equal(clientIp(node), "10.0.0.8");
  });
});
