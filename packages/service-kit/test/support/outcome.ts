import type { CallOptions } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { GuardedResponse } from "./guarded-service.js";

export type Outcome =
  | { ok: true; principal: Record<string, unknown> | undefined; detail: string }
  | { ok: false; code: Code; message: string; error: ConnectError };

/** What a call came to: the principal the handler saw, or the error's code and message. */
export async function outcome(call: Promise<GuardedResponse>): Promise<Outcome> {
  try {
    const res = await call;
    return {
      ok: true,
      principal: res.principal === "" ? undefined : (JSON.parse(res.principal) as Record<string, unknown>),
      detail: res.detail,
    };
  } catch (e) {
    const error = ConnectError.from(e);
    return { ok: false, code: error.code, message: error.rawMessage, error };
  }
}

/** A code as the Connect protocol spells it ("not_found"). */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The code name of an outcome ("ok", "not_found", ...), for compact assertions. */
export function codeOf(o: Outcome): string {
  return o.ok ? "ok" : codeName(o.code);
}

/** The code name a promise settles with ("ok" when it resolves). */
export async function settle(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return codeName(ConnectError.from(e).code);
  }
}

export function bearer(token: string, options: CallOptions = {}): CallOptions {
  return { ...options, headers: { authorization: `Bearer ${token}` } };
}
