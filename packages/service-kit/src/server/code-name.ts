import { Code } from "@connectrpc/connect";

/** A Connect code as the protocol spells it ("invalid_argument"), for logs and metric labels. */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}
