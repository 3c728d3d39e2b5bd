import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { waitFor } from "../wait-for.js";
import { checkBearer, wwwAuthenticate } from "./bearer-auth.js";
import { CDN_PATH, createCdnFiles } from "./cdn-files.js";
import { createFailureQueue } from "./failure-queue.js";
import type { GraphErrorSpec } from "./graph-error.js";
import { graphErrorBody } from "./graph-error.js";
import { handleSend, parseSend } from "./handle-send.js";
import { BodyTooLarge, lowercaseHeaders, readBody, sendJson } from "./http-io.js";
import { createMediaStore, MEDIA_DOWNLOAD_PATH } from "./media-store.js";
import type {
  FailMediaOptions,
  FailNextOptions,
  FakeGraphLogger,
  MediaRegistration,
  MediaStep,
  RecordedMediaRequest,
  RecordedSend,
  RegisteredMedia,
} from "./types.js";

export interface FakeGraphOptions {
  /** Default 0: any free port. The dev stack uses 7190. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Receives one line per send (pino fits). */
  logger?: FakeGraphLogger;
  /** How long a media download URL works; default 5 minutes, as on Meta's CDN. */
  mediaUrlTtlMs?: number;
}

/** A local Meta Graph API: WhatsApp Cloud API sends, Instagram Send API, WhatsApp media. */
export interface FakeGraph {
  /** Base URL to configure as the Graph API (and Instagram Graph) base, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** Every POST to /{version}/{id}/messages in arrival order, failed ones included. */
  readonly sends: readonly RecordedSend[];
  /** Resolves with the sends once at least `n` arrived; rejects after `timeoutMs` (default 10 s). */
  waitForSends(n: number, timeoutMs?: number): Promise<RecordedSend[]>;
  /** The next matching send(s) fail with this Graph error (after auth and validation pass). */
  failNext(options: FailNextOptions): void;
  /** Once any token is registered, only registered tokens are accepted. */
  registerToken(token: string): void;
  registerMedia(media: MediaRegistration): RegisteredMedia;
  /** Makes every media URL issued so far answer 404, as Meta's do after 5 minutes. */
  expireMediaUrls(): void;
  /** Every request to the media endpoints (WhatsApp info and download, Instagram CDN), in order. */
  readonly mediaRequests: readonly RecordedMediaRequest[];
  /** The next request(s) of a media step answer this status (5xx: a Graph or CDN outage). */
  failNextMedia(options: FailMediaOptions): void;
  /** An Instagram attachment on the CDN: its URL (as a webhook's `payload.url`) needs no token. */
  addCdnFile(bytes: Buffer | Uint8Array | string, mimeType: string): { id: string; url: string };
  /** The CDN file answers 403 from now on, as Instagram's expired URLs do. */
  expireCdnFile(id: string): void;
  /** Forgets recorded sends and pending failures (tokens and media stay). */
  reset(): void;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 1024 * 1024;
const VERSION = /^v\d+\.\d+$/;
const NODE_ID = /^[A-Za-z0-9_.-]+$/;

function unknownPath(pathname: string): GraphErrorSpec {
  return { status: 400, code: 2500, message: `Unknown path components: ${pathname}` };
}

function unknownObject(id: string, method: string): GraphErrorSpec {
  return {
    status: 400,
    code: 100,
    subcode: 33,
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  };
}

export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger;
  const sends: RecordedSend[] = [];
  const tokens = new Set<string>();
  const failures = createFailureQueue();
  const media = createMediaStore(options.mediaUrlTtlMs ?? 5 * 60_000);
  const cdn = createCdnFiles();
  const mediaRequests: RecordedMediaRequest[] = [];
  const mediaFailures: { step: MediaStep; status: number; left: number }[] = [];
  let baseUrl = "";

  /** Records a media request; answers the pending failure of its step when there is one. */
  function mediaFailure(
    step: MediaStep,
    mediaId: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): boolean {
    const failure = mediaFailures.find((f) => f.step === step && f.left > 0);
    const record = (status: number) =>
      mediaRequests.push({ step, mediaId, status, headers: lowercaseHeaders(req) });
    if (failure === undefined) {
      res.once("finish", () => record(res.statusCode));
      return false;
    }
    failure.left -= 1;
    record(failure.status);
    if (step === "info") {
      sendError(res, { status: failure.status, code: 2, message: "Service temporarily unavailable" });
    } else {
      res.writeHead(failure.status, { "content-type": "text/plain" }).end("upstream failure");
    }
    return true;
  }

  function sendError(res: ServerResponse, spec: GraphErrorSpec, product?: "whatsapp"): void {
    sendJson(res, spec.status, graphErrorBody(spec, product), wwwAuthenticate(spec));
  }

  async function onMessages(req: IncomingMessage, res: ServerResponse, version: string, businessId: string) {
    const parsed = parseSend(await readBody(req, BODY_LIMIT_BYTES));
    const outcome = handleSend(parsed, {
      version,
      businessId,
      authError: checkBearer(req.headers.authorization, tokens),
      takeFailure: (send) => failures.take(send),
    });
    const record: RecordedSend = {
      kind: parsed.kind,
      path: req.url ?? "",
      version,
      businessId,
      headers: lowercaseHeaders(req),
      body: parsed.body,
      at: new Date(),
      response: { status: outcome.status, body: outcome.body },
    };
    if (parsed.to !== undefined) record.to = parsed.to;
    sends.push(record);
    logger?.info(
      {
        kind: parsed.kind,
        version,
        business_id: businessId,
        to: parsed.to,
        status: outcome.status,
        response: outcome.body,
      },
      "fake graph: send",
    );
    sendJson(res, outcome.status, outcome.body, outcome.headers);
  }

  function onMediaInfo(req: IncomingMessage, res: ServerResponse, mediaId: string) {
    if (mediaFailure("info", mediaId, req, res)) return;
    const authError = checkBearer(req.headers.authorization, tokens);
    if (authError !== undefined) return sendError(res, authError, "whatsapp");
    const stored = media.get(mediaId);
    if (stored === undefined) return sendError(res, unknownObject(mediaId, "GET"));
    sendJson(res, 200, {
      messaging_product: "whatsapp",
      url: media.issueUrl(baseUrl, mediaId),
      mime_type: stored.mimeType,
      sha256: stored.sha256,
      // Graph sends the size as a string.
      file_size: String(stored.fileSize),
      id: stored.id,
    });
  }

  function onMediaDownload(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (mediaFailure("download", url.searchParams.get("mid") ?? "", req, res)) return;
    const authError = checkBearer(req.headers.authorization, tokens);
    if (authError !== undefined) return sendError(res, authError);
    // Meta's CDN refuses clients that send no User-Agent.
    if ((req.headers["user-agent"] ?? "").trim() === "") {
      res.writeHead(403, { "content-type": "text/plain" }).end("a User-Agent header is required");
      return;
    }
    const stored = media.resolve(url);
    if (stored === "missing" || stored === "expired") {
      res.writeHead(404, { "content-type": "text/plain" }).end(`media URL ${stored}`);
      return;
    }
    res.writeHead(200, { "content-type": stored.mimeType, "content-length": String(stored.bytes.length) });
    res.end(stored.bytes);
  }

  function onCdn(req: IncomingMessage, res: ServerResponse, id: string) {
    if (mediaFailure("cdn", id, req, res)) return;
    const file = cdn.get(id);
    if (file === undefined || file.expired) {
      res
        .writeHead(file === undefined ? 404 : 403, { "content-type": "text/plain" })
        .end("URL signature expired");
      return;
    }
    res.writeHead(200, { "content-type": file.mimeType, "content-length": String(file.bytes.length) });
    res.end(file.bytes);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", baseUrl);
    const method = req.method ?? "GET";
    if (method === "GET" && url.pathname === MEDIA_DOWNLOAD_PATH) return onMediaDownload(req, res, url);
    if (method === "GET" && url.pathname.startsWith(CDN_PATH)) {
      return onCdn(req, res, url.pathname.slice(CDN_PATH.length));
    }
    const [version, nodeId, edge, ...rest] = url.pathname.split("/").slice(1);
    const validNode =
      version !== undefined && VERSION.test(version) && nodeId !== undefined && NODE_ID.test(nodeId);
    if (validNode && edge === "messages" && rest.length === 0 && method === "POST") {
      return onMessages(req, res, version, nodeId);
    }
    if (validNode && edge === undefined && method === "GET") return onMediaInfo(req, res, nodeId);
    // Drain what the client sent before answering, so the connection stays usable.
    req.resume();
    sendError(res, unknownPath(url.pathname));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof BodyTooLarge) {
        sendError(res, { status: 413, code: 1, message: "Request body too large" });
        req.destroy();
        return;
      }
      sendError(res, { status: 500, code: 1, message: `An unknown error occurred: ${String(err)}` });
    });
  });
  server.listen(options.port ?? 0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    port,
    sends,
    waitForSends(n, timeoutMs = 10_000) {
      return waitFor(() => (sends.length >= n ? sends.slice() : undefined), {
        timeoutMs,
        message: () => `${n} sends to the fake Graph API (got ${sends.length})`,
      });
    },
    failNext(failure) {
      failures.add(failure);
    },
    registerToken(token) {
      if (token.trim() === "") throw new Error("token must not be empty");
      tokens.add(token);
    },
    registerMedia(registration) {
      return media.register(registration);
    },
    expireMediaUrls() {
      media.expireAll();
    },
    mediaRequests,
    failNextMedia({ step, status, times = 1 }) {
      mediaFailures.push({ step, status, left: times });
    },
    addCdnFile(bytes, mimeType) {
      return cdn.add(baseUrl, bytes, mimeType);
    },
    expireCdnFile(id) {
      cdn.expire(id);
    },
    reset() {
      sends.length = 0;
      failures.clear();
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
