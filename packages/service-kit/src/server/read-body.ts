import type { NodeRequest } from "./node-http.js";

/** The request body is over the limit; the server answers 413. */
export class PayloadTooLargeError extends Error {
  override readonly name = "PayloadTooLargeError";
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`request body is larger than ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * Reads the raw body bytes exactly as sent (signatures such as Meta's X-Hub-Signature-256 are
 * computed over them), refusing bodies over `maxBytes` before buffering them.
 */
export async function readBody(req: NodeRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > maxBytes) throw new PayloadTooLargeError(maxBytes);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
