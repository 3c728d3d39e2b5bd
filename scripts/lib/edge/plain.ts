import type { NodeResponse } from "@atendo/service-kit";

/** A short plain-text answer the edge gives itself. */
export function plain(
  res: NodeResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
