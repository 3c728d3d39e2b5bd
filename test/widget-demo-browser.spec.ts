// The widget demo page of `npm run dev` in a real browser: headless Chromium (Debian's package, which
// `npm test` installs when missing) driven by playwright-core, the page served by its own server
// against the six services as processes and the local edge, the way `npm run dev` wires them. A
// visitor with a pt-BR browser sees the Portuguese UI, sends a message, sees the assistant's reply
// come back over the page's stream, reloads and finds the conversation again (the visitor token kept
// in localStorage). Every wait is a condition with a deadline.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminQuery, waitFor } from "@atendo/testing";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { widgetDemoOrigins } from "../scripts/lib/dev-ports.js";
import { createEdge, type Edge } from "../scripts/lib/edge.js";
import { SERVICES } from "../scripts/lib/stack.js";
import { ensureChromium } from "../scripts/lib/system-packages.js";
import { startWidgetDemo, type WidgetDemo } from "../scripts/lib/widget-demo/widget-demo-server.js";
import { freePorts } from "./support/free-ports.js";
import { type Product, startProduct } from "./support/product.js";

// Without the background-networking flags Chromium keeps calling Google's services, which a closed
// network answers with nothing but timeouts.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TEXT = "Oi! Vocês abrem no sábado?";

interface Bubble {
  side: "inbound" | "outbound";
  who: string;
  text: string;
  pending: boolean;
}

/** The chat as the visitor sees it: each bubble's side, label and text. */
const bubblesOf = (page: Page): Promise<Bubble[]> =>
  page.$$eval("#chat .bubble", (nodes) =>
    nodes.map((node) => {
      const who = node.querySelector(".who")?.textContent ?? "";
      return {
        side: node.classList.contains("inbound") ? ("inbound" as const) : ("outbound" as const),
        who,
        text: (node.textContent ?? "").slice(who.length),
        pending: node.classList.contains("pending"),
      };
    }),
  );

/** Who a visitor token names: its subject (the visitor) and session, from the JWT's claims. */
function visitorOf(token: string | null): { sub?: string; sid?: string } {
  const payload = (token ?? "").split(".")[1] ?? "";
  const { sub, sid } = JSON.parse(Buffer.from(payload, "base64url").toString() || "{}");
  return { sub, sid };
}

/** Waits until the chat shows exactly `expected`; on timeout, says what it showed. */
async function waitForBubbles(page: Page, expected: Bubble[], what: string): Promise<void> {
  let shown: Bubble[] = [];
  await waitFor(
    async () => {
      shown = await bubblesOf(page);
      return JSON.stringify(shown) === JSON.stringify(expected);
    },
    { timeoutMs: 20_000, intervalMs: 50, message: () => `${what}; the page shows ${JSON.stringify(shown)}` },
  );
}

describe("the widget demo page in headless Chromium, against the services through the edge", function () {
  this.timeout(120_000);
  let product: Product;
  let edge: Edge;
  let demo: WidgetDemo;
  let context: BrowserContext;
  let profile: string;
  const problems: string[] = [];

  before(async () => {
    const executablePath = ensureChromium();
    const [pagePort = 0, edgePort = 0] = await freePorts(2);
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    // As in `npm run dev`: the page's origins are the web channel's and the edge's CORS origins.
    const origins = widgetDemoOrigins(pagePort);
    // Upload and media URLs point at the edge the page talks to, as in `npm run dev`.
    product = await startProduct({
      spec: { webOrigins: origins },
      extra: { ingress: { MEDIA_PUBLIC_BASE_URL: edgeUrl } },
    });
    edge = createEdge({
      upstreams: Object.fromEntries(SERVICES.map((s) => [s, product.url(s)])),
      corsOrigins: origins,
    });
    await edge.listen(edgePort);
    demo = await startWidgetDemo({ edgeUrl, siteKey: product.seed.siteKey, port: pagePort });
    // A fresh profile in the temporary folder: works as root, with a private home, from any clone.
    profile = mkdtempSync(join(tmpdir(), "atendo-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: "pt-BR",
      timeout: 30_000,
    });
    context.setDefaultTimeout(20_000);
    // Whatever the page logs as an error (a blocked request, a script error) fails the test.
    context.on("console", (message) => {
      // The page has no icon: the browser's own request for one is not the page's error.
      if (message.type() === "error" && !message.location().url.endsWith("/favicon.ico"))
        problems.push(message.text());
    });
    context.on("weberror", (error) => problems.push(String(error.error())));
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await demo?.close();
    await edge?.close(500);
    const exits = await product?.stop();
    for (const [name, code] of exits ?? []) {
      assert.equal(code, 0, `${name} exited with ${code}:\n${product.output(name).slice(-20).join("\n")}`);
    }
  });

  it("chats in Portuguese: the reply streams into the page, and a reload shows the conversation again", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    // The widget's calls, by method name.
    const calls: string[] = [];
    page.on("request", (req) => {
      const [, method] = /WidgetService\/(\w+)$/.exec(req.url()) ?? [];
      if (method) calls.push(method);
    });
    await page.goto(demo.url);

    // The pt-BR UI, and the session started through the edge (the channel's name as the title).
    await page.locator("#send", { hasText: "Enviar" }).waitFor();
    assert.equal(await page.getAttribute("#text", "placeholder"), "Escreva uma mensagem");
    assert.equal(
      await page.textContent("#intro"),
      "Pergunte o que quiser: o assistente de demonstração responde aqui.",
    );
    assert.equal(await page.getAttribute("html", "lang"), "pt-BR");
    await page.locator("#title", { hasText: product.seed.spec.webChannelName }).waitFor();
    // The page follows the conversation over StreamMessages once the (empty) history is shown.
    await waitFor(() => calls.includes("StreamMessages"), {
      timeoutMs: 20_000,
      message: () => `the page to open its stream; it called ${calls.join(", ")}`,
    });
    const storeKey = `atendo-widget:${product.seed.siteKey}`;
    const token = await page.evaluate((key) => localStorage.getItem(key), storeKey);
    assert.ok(visitorOf(token).sub, "the visitor token is kept in localStorage");

    await page.fill("#text", TEXT);
    await page.click("#send");

    // The assistant's reply, as stored by the conversation service, appears under the visitor's message.
    const [stored] = await waitFor(
      () =>
        adminQuery<{ text: string }>(
          `select text from conversation.messages where tenant_id = $1 and direction = 'OUTBOUND'`,
          [product.seed.tenantId],
        ).then((rows) => rows.length > 0 && rows),
      { timeoutMs: 60_000, intervalMs: 100, message: "the assistant's stored reply" },
    );
    const reply = stored?.text ?? "";
    assert.ok(reply.length > 0, "the reply has text");
    const expected: Bubble[] = [
      { side: "inbound", who: "Você", text: TEXT, pending: false },
      { side: "outbound", who: "Assistente", text: reply, pending: false },
    ];
    await waitForBubbles(page, expected, "the visitor's message and the reply");
    // Live, not recovering: a page without its stream says "reconectando" in #status (and the typing
    // line the stream carried is gone once the reply is in).
    await waitFor(async () => (await page.textContent("#status")) === "", {
      message: "an empty status line",
    });

    // A reload resumes the same visitor and shows the history again, in order.
    await page.reload();
    await page.locator("#send", { hasText: "Enviar" }).waitFor();
    await waitForBubbles(page, expected, "the history after the reload");
    // Resumed, not replaced: a renewed token for the same visitor and session.
    const renewed = await page.evaluate((key) => localStorage.getItem(key), storeKey);
    assert.deepEqual(visitorOf(renewed), visitorOf(token));
    assert.deepEqual(problems, [], "no errors in the page's console");
  });

  it("sends a picture: a progress bar while it uploads, then the picture in the chat through its signed URL", async () => {
    const page = await context.newPage();
    // Every value the page gives its progress bar, so a test can see the bar move.
    // (Browser code as text: the tests compile without the DOM's types.)
    await page.addInitScript({
      content: `{
        const seen = (window.progressSeen = []);
        const own = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
        Object.defineProperty(HTMLProgressElement.prototype, "value", {
          get() { return own.get.call(this); },
          set(v) { seen.push(Number(v)); own.set.call(this, v); },
        });
      }`,
    });
    await page.goto(demo.url);
    await page.locator("#send", { hasText: "Enviar" }).waitFor();
    await page.setInputFiles("#file", { name: "mapa.png", mimeType: "image/png", buffer: PNG });

    // The picture, in the visitor's bubble, loaded from the media URL the server signed.
    const picture = page.locator('#chat .bubble.inbound img[alt="mapa.png"]');
    let line = "";
    await waitFor(
      async () => {
        line = `${(await page.textContent("#status")) ?? ""}; errors: ${problems.join(" | ")}`;
        return (await picture.count()) === 1;
      },
      { timeoutMs: 20_000, message: () => `the picture in the chat; the page says "${line}"` },
    );
    await waitFor(
      () =>
        picture.evaluate((node) => {
          const img = node as unknown as { complete: boolean; naturalWidth: number };
          return img.complete && img.naturalWidth === 1;
        }),
      {
        message: "the picture loaded through its signed URL",
      },
    );
    const src = (await picture.getAttribute("src")) ?? "";
    assert.match(src, /\/media\//, "a signed media URL, not a store path");
    const progress = (await page.evaluate("window.progressSeen")) as number[];
    assert.equal(progress[0], 0, "the bar starts empty");
    assert.equal(progress.at(-1), 1, "and ends full");
    assert.ok(await page.locator("#progress").isHidden(), "the bar goes away once sent");

    // It entered the same pipeline as a text: the conversation stored it as media.
    await waitFor(
      () =>
        adminQuery(
          `select 1 from conversation.messages where tenant_id = $1 and direction = 'INBOUND' and position('mapa.png'::bytea in content) > 0`,
          [product.seed.tenantId],
        ).then((rows) => rows.length === 1),
      { timeoutMs: 30_000, message: "the picture stored by the conversation service" },
    );
    assert.deepEqual(problems, [], "no errors in the page's console");
    await page.close();
  });

  it("sends what the visitor typed before the session was there, once it is", async () => {
    const page = await context.newPage();
    // StartSession held back until the message is typed and sent, as on a slow network.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/WidgetService\/StartSession$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(demo.url);
    await page.locator("#send", { hasText: "Enviar" }).waitFor();
    const early = `Cedo ${randomUUID()}`;
    await page.fill("#text", early);
    await page.click("#send");
    release();
    // Stored by the conversation service (so sent with a valid visitor token), and no longer pending.
    await waitFor(
      () =>
        adminQuery(`select 1 from conversation.messages where tenant_id = $1 and text = $2`, [
          product.seed.tenantId,
          early,
        ]).then((rows) => rows.length === 1),
      { timeoutMs: 30_000, message: "the early message stored" },
    );
    await waitFor(async () => (await page.locator("#chat .bubble.inbound.pending").count()) === 0, {
      message: "no bubble left pending",
    });
    assert.deepEqual(problems, [], "no errors in the page's console");
    await page.close();
  });
});

// A 1x1 PNG: what a visitor's phone would send, small enough to keep the test quick.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
