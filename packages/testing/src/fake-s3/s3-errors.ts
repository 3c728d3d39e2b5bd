import type { ServerResponse } from "node:http";

/** S3's error answer: an XML body with Code and Message, as every S3 client parses it. */
export function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  resource: string,
  withBody = true,
): void {
  const requestId = Math.random().toString(16).slice(2, 18).toUpperCase();
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`;
  res.writeHead(status, {
    "content-type": "application/xml",
    "x-amz-request-id": requestId,
    ...(withBody ? { "content-length": String(Buffer.byteLength(xml)) } : {}),
  });
  // HEAD answers carry no body: the client tells the error by its status alone.
  res.end(withBody ? xml : undefined);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
