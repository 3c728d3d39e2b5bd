import assert from "node:assert/strict";
import { errorInfoOf } from "@atendo/service-kit";
import { connectErrorOf, errorInfoReasons } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { type RunningService, start } from "../src/main.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createWebChannel,
  pageHeaders,
  SHOP,
  someAddress,
  startSession,
  text,
  widgetClient,
} from "./support/widget-kit.js";

describe("web-chat widget: limits per visitor, per site and per address", function () {
  this.timeout(60_000);
  let h: Harness;
  let limited: RunningService;

  before(async () => {
    h = await startHarness();
    const base = h.ingressConfig();
    limited = await start(
      h.ingressConfig({
        widget: {
          ...base.widget,
          limits: { windowMs: 60_000, messagesPerVisitor: 3, messagesPerSite: 5, sessionsPerIp: 4 },
        },
      }),
      { logger: h.logger },
    );
  });

  after(async () => {
    await limited?.stop();
    await h?.stop();
  });

  const client = () => widgetClient(`http://127.0.0.1:${limited.port}`);

  it("refuses a visitor's messages past their limit, then the site's, with resource_exhausted and when to retry", async () => {
    const channel = await createWebChannel(h);
    const ana = await startSession(client(), channel, SHOP);
    const send = (token: string) =>
      client().sendMessage({ message: text("hi") }, { headers: pageHeaders(SHOP, token) });
    for (let i = 0; i < 3; i++) await send(ana.visitorToken);
    const visitorErr = await connectErrorOf(send(ana.visitorToken));
    assert.equal(visitorErr.code, Code.ResourceExhausted);
    assert.match(visitorErr.rawMessage, /this visitor/);
    assert.deepEqual(errorInfoReasons(visitorErr), ["RATE_LIMITED"]);
    const retryAfter = Number(errorInfoOf(visitorErr)?.metadata.retry_after_s);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry_after_s ${retryAfter}`);

    // Another visitor of the site: two more fit the site's five, the next does not.
    const bia = await startSession(client(), channel, SHOP);
    await send(bia.visitorToken);
    await send(bia.visitorToken);
    const siteErr = await connectErrorOf(send(bia.visitorToken));
    assert.equal(siteErr.code, Code.ResourceExhausted);
    assert.match(siteErr.rawMessage, /this site/);

    // Refused messages were not stored.
    const history = await client().listMessages({}, { headers: pageHeaders(SHOP, ana.visitorToken) });
    assert.equal(history.messages.length, 3);
  });

  it("refuses new sessions from one address past its limit", async () => {
    const channel = await createWebChannel(h);
    const address = someAddress();
    const headers = { origin: SHOP, "x-forwarded-for": address };
    for (let i = 0; i < 4; i++) await client().startSession({ siteKey: channel.siteKey }, { headers });
    const err = await connectErrorOf(client().startSession({ siteKey: channel.siteKey }, { headers }));
    assert.equal(err.code, Code.ResourceExhausted);
    assert.match(err.rawMessage, /this address/);
    // Another address is not affected.
    await client().startSession(
      { siteKey: channel.siteKey },
      { headers: { ...headers, "x-forwarded-for": someAddress() } },
    );
  });
});
