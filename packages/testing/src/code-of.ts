import { type Code, ConnectError } from "@connectrpc/connect";

/**
 * How an RPC ended: "ok", or the Connect code it failed with (any other error counts as `unknown`,
 * as Connect itself files it). For tables of who may call what.
 */
export async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}
