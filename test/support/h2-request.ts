import { connect } from "node:http2";

export interface H2Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request over HTTP/2 prior knowledge (h2c), on its own session. */
export function h2Request(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const session = connect(baseUrl);
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
    stream.on("error", (err) => {
      session.destroy();
      reject(err);
    });
    stream.end(options.body);
  });
}
