import { type Code, ConnectError } from "@connectrpc/connect";

export function isCode(err: unknown, code: Code): boolean {
  return err instanceof ConnectError && err.code === code;
}
