import type { FailureKind } from "./send-outcome.js";

// Error codes of the WhatsApp Cloud API and what delivery does about them (docs/meta-wire-format.md, outbound).
const PERMANENT = new Set([131047, 131026, 131030, 100, 131008, 131009]);
const TRANSIENT = new Set([131000, 1, 2, 131016]);
const BLOCKED = new Set([368, 131031]);
const THROUGHPUT = 130429;
const PAIR_RATE_LIMIT = 131056;
const TOKEN_INVALID = 190;

/**
 * Classifies a Graph error answer by its `error.code`, falling back to the HTTP status when the body
 * carried no code (a proxy's HTML page, an empty 502).
 */
export function classifyWhatsAppError(httpStatus: number, code: number | undefined): FailureKind {
  if (code !== undefined) {
    if (code === TOKEN_INVALID) return "auth";
    if (code === THROUGHPUT) return "throughput";
    if (code === PAIR_RATE_LIMIT) return "pair_rate_limit";
    if (BLOCKED.has(code)) return "blocked";
    if (PERMANENT.has(code) || (code >= 132000 && code <= 132999)) return "permanent";
    if (TRANSIENT.has(code)) return "transient";
  }
  if (httpStatus === 429) return "throughput";
  if (httpStatus >= 500 || httpStatus === 408) return "transient";
  if (httpStatus === 401 && code === undefined) return "auth";
  // Any other 4xx is a request the channel will keep refusing.
  return "permanent";
}
