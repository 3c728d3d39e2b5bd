import type { WidgetMessage } from "@atendo/proto/ingress/v1";
import { pageHeaders, SHOP, type WidgetClient } from "./widget-kit.js";

/** A real 1x1 PNG. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** The start of a 64-bit Linux executable: what file-type reads as application/x-elf. */
export const ELF = (() => {
  const header = Buffer.alloc(128);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(header);
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(0x3e, 18); // x86-64
  return header;
})();

/**
 * PUTs bytes to an upload URL as the widget does. The URL names the edge; `base` is where to send
 * the same path (ingress itself, or a test's edge).
 */
export function putUpload(
  base: string,
  uploadUrl: string,
  token: string,
  bytes: Uint8Array,
  contentType: string,
  origin = SHOP,
): Promise<Response> {
  return fetch(`${base}${new URL(uploadUrl).pathname}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType, origin },
    body: bytes,
  });
}

/** CreateUpload, the PUT, then SendAttachment: the sent message. */
export async function uploadAndSend(
  client: WidgetClient,
  base: string,
  token: string,
  file: { bytes: Uint8Array; mimeType: string; filename?: string },
): Promise<WidgetMessage> {
  const headers = pageHeaders(SHOP, token);
  const { upload } = await client.createUpload(
    { filename: file.filename ?? "file", mimeType: file.mimeType, sizeBytes: BigInt(file.bytes.length) },
    { headers },
  );
  if (upload === undefined) throw new Error("CreateUpload answered without an upload");
  const put = await putUpload(base, upload.uploadUrl, token, file.bytes, file.mimeType);
  if (put.status !== 200) throw new Error(`the PUT answered ${put.status}: ${await put.text()}`);
  const sent = await client.sendAttachment({ uploadId: upload.id }, { headers });
  if (sent.message === undefined) throw new Error("SendAttachment answered without a message");
  return sent.message;
}
