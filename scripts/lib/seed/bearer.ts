import type { Interceptor } from "@connectrpc/connect";

/** Sends `Authorization: Bearer <token>` on every call: the seed acts as the person logged in. */
export function bearer(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}
