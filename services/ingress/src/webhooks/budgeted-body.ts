import { type NodeRequest, PayloadTooLargeError } from "@atendo/service-kit";
import type { BodyBudget } from "./body-budget.js";

/** A body read within the budget; `release()` gives its bytes back (once, whatever the path). */
export type BudgetedBody = { ok: true; body: Buffer; release(): void } | { ok: false };

/**
 * Reads a request body exactly as sent (what Meta signs) while holding its bytes in `budget`: a
 * declared Content-Length is taken before the first byte is read, a body without one (chunked) as its
 * bytes arrive. `{ ok: false }` when the budget cannot hold it: nothing is kept and the rest of the
 * body is left unread. Over `maxBytes` it throws PayloadTooLargeError (the server answers 413). On
 * any failure (a client that aborts too) what was taken is given back before the error propagates.
 */
export async function readBudgetedBody(
  req: NodeRequest,
  options: { maxBytes: number; budget: BodyBudget },
): Promise<BudgetedBody> {
  const { maxBytes, budget } = options;
  const declared = Number(req.headers["content-length"]);
  const hasLength = req.headers["content-length"] !== undefined && Number.isSafeInteger(declared);
  if (hasLength && declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  let taken = 0;
  const take = (bytes: number): boolean => {
    if (!budget.tryTake(bytes)) return false;
    taken += bytes;
    return true;
  };
  const release = (): void => {
    budget.give(taken);
    taken = 0;
  };
  if (hasLength && !take(declared)) return { ok: false };
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buf.length;
      if (size > maxBytes) throw new PayloadTooLargeError(maxBytes);
      if (size > taken && !take(size - taken)) {
        release();
        return { ok: false };
      }
      chunks.push(buf);
    }
    return { ok: true, body: Buffer.concat(chunks, size), release };
  } catch (err) {
    release();
    throw err;
  }
}
