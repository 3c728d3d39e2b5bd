// A real upstream for the edge's tests: the probe service, a webhook route and a JWKS route on one
// service-kit server, recording what reached it.
import { createServer } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { Code, ConnectError } from "@connectrpc/connect";
import { ProbeService } from "./probe-service.js";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ProbeUpstream {
  url: string;
  port: number;
  /** Plain HTTP requests (webhooks and anything the server does not route). */
  received: ReceivedRequest[];
  /** Hang calls whose ctx.signal fired: the edge passed the caller's cancel on. */
  hangsAborted: number;
  hangsStarted: number;
  close(): Promise<void>;
}

/** `maxBodyBytes`: the server's own limit of a request message or body (default service-kit's). */
export async function startProbeUpstream(options: { maxBodyBytes?: number } = {}): Promise<ProbeUpstream> {
  const received: ReceivedRequest[] = [];
  const state = { hangsAborted: 0, hangsStarted: 0 };
  const server = createServer({
    service: "edgetest",
    logger: createLogger({ service: "edgetest", level: "silent" }),
    shutdownGraceMs: 500,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    routes: (router) =>
      router.service(ProbeService, {
        echo(req, ctx) {
          ctx.responseHeader.set("x-probe-reply", "yes");
          ctx.responseTrailer.set("x-probe-trailer", "done");
          return {
            text: req.text,
            header: ctx.requestHeader.get("x-probe") ?? "",
            forwardedFor: ctx.requestHeader.get("x-forwarded-for") ?? "",
          };
        },
        async *count(req) {
          for (let i = 0; i < req.count; i++) yield { text: req.text, index: i };
        },
        async *hang(req, ctx) {
          state.hangsStarted++;
          yield { text: req.text, index: 0 };
          await new Promise<void>((resolve) => {
            if (ctx.signal.aborted) resolve();
            ctx.signal.addEventListener("abort", () => resolve(), { once: true });
          });
          state.hangsAborted++;
        },
        fail() {
          throw new ConnectError("probe failed on purpose", Code.FailedPrecondition);
        },
        secret() {
          return { text: "the upstream answered" };
        },
      }),
    http: async (req, res, ctx) => {
      const body = await ctx.readBody();
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, body });
      const url = new URL(req.url ?? "/", "http://upstream");
      if (url.pathname === "/.well-known/jwks.json") {
        res.writeHead(200, { "content-type": "application/jwk-set+json", "x-upstream": "probe" });
        res.end(JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", kid: "probe-key", x: "AA" }] }));
        return true;
      }
      const challenge = url.searchParams.get("hub.challenge");
      const answer = req.method === "GET" && challenge !== null ? challenge : "EVENT_RECEIVED";
      res.writeHead(200, { "content-type": "text/plain", "x-upstream": "probe" });
      res.end(answer);
      return true;
    },
  });
  const port = await server.listen(0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    get hangsAborted() {
      return state.hangsAborted;
    },
    get hangsStarted() {
      return state.hangsStarted;
    },
    close: () => server.close(),
  };
}
