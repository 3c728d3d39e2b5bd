import { randomBytes } from "node:crypto";

export const CDN_PATH = "/ig_cdn/";

interface CdnFile {
  bytes: Buffer;
  mimeType: string;
  expired: boolean;
}

/** Instagram's attachment CDN: files at unguessable URLs, fetched without a token, that expire. */
export function createCdnFiles() {
  const files = new Map<string, CdnFile>();
  return {
    add(baseUrl: string, bytes: Buffer | Uint8Array | string, mimeType: string): { id: string; url: string } {
      const id = randomBytes(12).toString("hex");
      files.set(id, { bytes: Buffer.from(bytes), mimeType, expired: false });
      return {
        id,
        url: new URL(`${CDN_PATH}${id}?stp=dst-jpg&_nc_oe=${id.slice(0, 8)}`, baseUrl).toString(),
      };
    },
    get(id: string): CdnFile | undefined {
      return files.get(id);
    },
    expire(id: string): void {
      const file = files.get(id);
      if (file !== undefined) file.expired = true;
    },
  };
}
