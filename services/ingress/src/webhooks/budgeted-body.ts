import { type NodeRequest, PayloadTooLargeError } from "@atendo/service-kit";
import type { BodyBudget } from "./body-budget.js";

/**
 * A body read within the budget (`release()` gives its bytes back, once, whatever the path), or why
 * there is none: the budget could not hold it, or the client went away before sending it all.
 */
export type BudgetedBody =
  | { ok: true; body: Buffer; release(): void }
  | { ok: false; reason: "over budget" | "client gone" };

/**
 * Reads a request body exactly as sent (what Meta signs) while holding its bytes in `budget`: a
 * declared Content-Length is taken before the first byte is read, a body without one (chunked) as its
 * bytes arrive. "over budget" when the budget cannot hold it: nothing is kept and the rest of the
 * body is left unread. Over `maxBytes` it throws PayloadTooLargeError (the server answers 413). On
 * every path that returns no body (or throws) what was taken is given back first.
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
  if (hasLength && !take(declared)) return { ok: false, reason: "over budget" };
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buf.length;
      if (size > maxBytes) throw new PayloadTooLargeError(maxBytes);
      if (size > taken && !take(size - taken)) {
        release();
        return { ok: false, reason: "over budget" };
      }
      chunks.push(buf);
    }
    return { ok: true, body: Buffer.concat(chunks, size), release };
  } catch (err) {
    release();
    // A client that hangs up mid-body is no fault of ours (and has no one left to answer).
    if (!(err instanceof PayloadTooLargeError) && req.readableAborted)
      return { ok: false, reason: "client gone" };
    throw err;
  }
}
