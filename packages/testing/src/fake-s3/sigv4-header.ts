/** The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header that a server checks first. */
export interface SigV4Header {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** The header's parts, or undefined when it is missing or not shaped like Signature Version 4. */
export function parseSigV4(header: string | undefined): SigV4Header | undefined {
  const m = SIGV4.exec(header ?? "");
  if (m === null) return undefined;
  const [, accessKeyId = "", date = "", region = "", service = "", signed = "", signature = ""] = m;
  return { accessKeyId, date, region, service, signedHeaders: signed.split(";"), signature };
}
