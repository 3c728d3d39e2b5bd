import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { OutboundGuard } from "./outbound-guard.js";

/** The body is larger than the caller accepts; reading stopped there. */
export class ResponseTooLarge extends Error {
  override readonly name = "ResponseTooLarge";
  constructor(readonly limitBytes: number) {
    super(`the response is larger than ${limitBytes} bytes`);
  }
}

export interface GuardedGetOptions {
  guard: OutboundGuard;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The largest body read from a 2xx answer; past it ResponseTooLarge. */
  maxBytes: number;
  /** Redirects followed, each through the guard (default 3). Headers are kept only on the same origin. */
  maxRedirects?: number;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** A 2xx answer's whole body; of other answers at most the first 64 KiB. */
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: URL;
}

const ERROR_BODY_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A GET of a URL someone else gave us (a channel's media URL): through the SSRF guard, address
 * checked at connect time, body bounded while it is read (a declared Content-Length over the limit
 * fails before reading anything).
 */
export async function guardedGet(input: string | URL, options: GuardedGetOptions): Promise<GuardedResponse> {
  let url = options.guard.checkUrl(input);
  const origin = url.origin;
  for (let redirects = 0; ; redirects++) {
    const sameOrigin = url.origin === origin;
    const res = await send(url, sameOrigin ? (options.headers ?? {}) : {}, options);
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode ?? 0) && location !== undefined) {
      res.resume();
      if (redirects >= (options.maxRedirects ?? 3)) throw new Error("too many redirects");
      url = options.guard.checkUrl(new URL(location, url));
      continue;
    }
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    const limit = ok ? options.maxBytes : ERROR_BODY_BYTES;
    const declared = Number(res.headers["content-length"]);
    if (ok && Number.isFinite(declared) && declared > limit) {
      res.destroy();
      throw new ResponseTooLarge(limit);
    }
    return { status, headers: res.headers, body: await readBounded(res, limit, ok), url };
  }
}

function send(
  url: URL,
  headers: Record<string, string>,
  options: GuardedGetOptions,
): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      headers,
      lookup: options.guard.lookup,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    req.once("response", resolve);
    req.once("error", reject);
    req.end();
  });
}

/** Reads up to `limit` bytes: past it a 2xx body fails, another is cut (it only explains an error). */
async function readBounded(res: IncomingMessage, limit: number, failOver: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const buf = chunk as Buffer;
    if (size + buf.length > limit) {
      res.destroy();
      if (failOver) throw new ResponseTooLarge(limit);
      chunks.push(buf.subarray(0, limit - size));
      break;
    }
    size += buf.length;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
