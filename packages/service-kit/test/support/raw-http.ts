import { request as http1Request } from "node:http";
import { connect as http2Connect } from "node:http2";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP/1.1 request on its own connection. */
export function http1(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http1Request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** One HTTP/2 prior-knowledge (h2c) request on its own session. */
export function http2(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": options.method ?? "GET",
      ":path": options.path,
      ...(options.headers ?? {}),
    });
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      headers = h;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      resolve({ status, headers, body: Buffer.concat(chunks) });
    });
    stream.on("error", reject);
    stream.end(options.body);
  });
}

/**
 * POSTs to /webhooks/partial, writes `chunk` without ending the body, and resolves with the status
 * the server answers before the upload is complete.
 */
export function http1Partial(port: number, headers: Record<string, string>, chunk: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http1Request(
      { host: "127.0.0.1", port, method: "POST", path: "/webhooks/partial", headers, agent: false },
      (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on("error", reject);
    req.write(chunk);
  });
}

export function http2Partial(port: number, chunk: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": "/webhooks/partial" });
    stream.on("response", (h) => {
      resolve(Number(h[":status"]));
      session.destroy();
    });
    stream.on("error", reject);
    stream.write(chunk);
  });
}
