import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** A plain node:http request: sends exactly the headers given (no default User-Agent). */
export function rawRequest(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(bytes.toString("utf8"));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** POST a JSON body to /{version}/{id}/messages as a channel adapter would; token null sends none. */
export function postMessages(
  baseUrl: string,
  businessId: string,
  body: unknown,
  token: string | null = "test-token",
  version = "v23.0",
): Promise<RawResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return rawRequest("POST", `${baseUrl}/${version}/${businessId}/messages`, headers, text);
}

/** Reads `error` out of a Graph error response, failing the test when the shape is wrong. */
export function graphError(res: RawResponse): {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_data: { details: string; messaging_product?: string };
  fbtrace_id: string;
} {
  const body = res.json as { error?: unknown };
  if (typeof body !== "object" || body === null || typeof body.error !== "object" || body.error === null) {
    throw new Error(`not a Graph error body: ${res.bytes.toString("utf8")}`);
  }
  const error = body.error as ReturnType<typeof graphError>;
  if (
    typeof error.message !== "string" ||
    typeof error.code !== "number" ||
    typeof error.fbtrace_id !== "string"
  ) {
    throw new Error(`Graph error body lacks message/code/fbtrace_id: ${res.bytes.toString("utf8")}`);
  }
  return error;
}
