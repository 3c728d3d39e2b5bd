// Serves the web-chat widget's demo page for `npm run dev`: index.html with the edge URL and the demo
// web channel's site key filled in, widget.js, connect-fetch.js and upload-put.js. Its origin must be among the channel's allowed
// origins and the edge's CORS origins (dev-ports.ts widgetDemoOrigins gives both).
import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface WidgetDemoOptions {
  /** Where the browser reaches the edge, e.g. http://127.0.0.1:7100. */
  edgeUrl: string;
  /** The web channel's public site key. */
  siteKey: string;
  /** 0 for any free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface WidgetDemo {
  url: string;
  port: number;
  close(): Promise<void>;
}

const html = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The page with its settings filled in. */
export function renderWidgetPage(options: { edgeUrl: string; siteKey: string }): string {
  const template = readFileSync(new URL("./index.html", import.meta.url), "utf8");
  return template.replace("%EDGE_URL%", html(options.edgeUrl)).replace("%SITE_KEY%", html(options.siteKey));
}

export async function startWidgetDemo(options: WidgetDemoOptions): Promise<WidgetDemo> {
  const page = renderWidgetPage(options);
  const scripts = new Map(
    ["/widget.js", "/connect-fetch.js", "/upload-put.js"].map((path) => [
      path,
      readFileSync(new URL(`.${path}`, import.meta.url), "utf8"),
    ]),
  );
  // The page may run its own script, talk to the edge and show pictures the edge serves, nothing else.
  const edge = new URL(options.edgeUrl).origin;
  const policy = `default-src 'self'; connect-src ${edge}; img-src ${edge}; style-src 'unsafe-inline'`;
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, {
      "content-type": `${type}; charset=utf-8`,
      "cache-control": "no-store",
      "content-security-policy": policy,
      "x-content-type-options": "nosniff",
    });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "GET only\n");
    if (path === "/" || path === "/index.html") return send(res, 200, "text/html", page);
    const script = scripts.get(path);
    if (script !== undefined) return send(res, 200, "text/javascript", script);
    send(res, 404, "text/plain", "not found\n");
  });
  server.listen(options.port, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
