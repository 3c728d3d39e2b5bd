import { createHash } from "node:crypto";
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { sendS3Error } from "./s3-errors.js";
import { parseSigV4 } from "./sigv4-header.js";

export interface FakeS3Options {
  /** Buckets that exist; others answer NoSuchBucket. */
  buckets: readonly string[];
  /** The one key pair accepted; any other access key id is AccessDenied. */
  accessKeyId: string;
}

export interface FakeS3Object {
  bytes: Buffer;
  contentType: string;
  /** `x-amz-meta-*` headers, without the prefix. */
  metadata: Record<string, string>;
}

/** A local S3-compatible server (path-style): PUT, GET, HEAD and DELETE of objects. */
export interface FakeS3 {
  /** The endpoint, e.g. http://127.0.0.1:41234 (use path-style addressing). */
  readonly url: string;
  /** Objects by `<bucket>/<key>`. */
  readonly objects: ReadonlyMap<string, FakeS3Object>;
  /** Every request's method, path and Authorization header, in arrival order. */
  readonly requests: readonly { method: string; path: string; authorization: string }[];
  close(): Promise<void>;
}

const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  const objects = new Map<string, FakeS3Object>();
  const requests: { method: string; path: string; authorization: string }[] = [];
  const buckets = new Set(options.buckets);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://s3.local");
    const path = decodeURIComponent(url.pathname);
    requests.push({ method, path, authorization: req.headers.authorization ?? "" });
    const withBody = method !== "HEAD";
    // Signature Version 4 is required: a header of the right shape, the date and payload hash
    // headers it signs, and our key pair.
    const auth = parseSigV4(req.headers.authorization);
    if (
      auth === undefined ||
      auth.service !== "s3" ||
      req.headers["x-amz-date"] === undefined ||
      req.headers["x-amz-content-sha256"] === undefined ||
      !auth.signedHeaders.includes("host") ||
      !auth.signedHeaders.includes("x-amz-date")
    ) {
      req.resume();
      return sendS3Error(res, 403, "AccessDenied", "Access Denied", path, withBody);
    }
    if (auth.accessKeyId !== options.accessKeyId) {
      req.resume();
      return sendS3Error(res, 403, "AccessDenied", "Access Denied", path, withBody);
    }
    const [, bucket = "", ...rest] = path.split("/");
    const key = rest.join("/");
    if (!buckets.has(bucket)) {
      req.resume();
      return sendS3Error(res, 404, "NoSuchBucket", "The specified bucket does not exist", path, withBody);
    }
    const id = `${bucket}/${key}`;
    if (method === "PUT") {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_OBJECT_BYTES) {
          return sendS3Error(res, 400, "EntityTooLarge", "Your proposed upload is too large", path);
        }
        chunks.push(chunk as Buffer);
      }
      const bytes = Buffer.concat(chunks);
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (name.startsWith("x-amz-meta-") && typeof value === "string") metadata[name.slice(11)] = value;
      }
      const contentType = req.headers["content-type"] ?? "binary/octet-stream";
      objects.set(id, { bytes, contentType, metadata });
      res.writeHead(200, { etag: etagOf(bytes) }).end();
      return;
    }
    req.resume();
    if (method === "GET" || method === "HEAD") {
      const found = objects.get(id);
      if (found === undefined) {
        return sendS3Error(res, 404, "NoSuchKey", "The specified key does not exist.", path, withBody);
      }
      const headers: Record<string, string> = {
        "content-type": found.contentType,
        "content-length": String(found.bytes.length),
        etag: etagOf(found.bytes),
        "last-modified": new Date().toUTCString(),
      };
      for (const [name, value] of Object.entries(found.metadata)) headers[`x-amz-meta-${name}`] = value;
      res.writeHead(200, headers).end(withBody ? found.bytes : undefined);
      return;
    }
    if (method === "DELETE") {
      objects.delete(id);
      res.writeHead(204).end();
      return;
    }
    sendS3Error(res, 405, "MethodNotAllowed", "The specified method is not allowed", path);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendS3Error(res, 500, "InternalError", String(err), req.url ?? "");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function etagOf(bytes: Buffer): string {
  return `"${createHash("md5").update(bytes).digest("hex")}"`;
}
