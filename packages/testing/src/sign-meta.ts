import { createHmac } from "node:crypto";

/** The `X-Hub-Signature-256` value Meta sends: `sha256=<lowercase hex HMAC-SHA256(appSecret, body)>`. */
export function signMeta(appSecret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}
