import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

/** The RPC services a test calls, by the name it calls them: `{ auth: AuthService, ... }`. */
export type ServiceSet = Readonly<Record<string, DescService>>;

/** One client per service of the set, under the same name. */
export type ClientsOf<S extends ServiceSet> = { readonly [K in keyof S]: Client<S[K]> };

export interface ClientsForOptions {
  /** Sent on every call that does not set the header itself (e.g. `x-forwarded-for`). */
  headers?: Readonly<Record<string, string>>;
  /** Deadline of a call that sets none; default 10 s, so a hung server fails the test with a reason. */
  timeoutMs?: number;
}

/**
 * Clients of the services of `services` at `baseUrl` (gRPC over h2c, one connection for all), each
 * call sending `Authorization: Bearer <credential>` (nothing when `credential` is undefined). A
 * header set by the call itself wins, so one client can still try another credential.
 */
export function clientsFor<S extends ServiceSet>(
  baseUrl: string,
  credential: string | undefined,
  services: S,
  options: ClientsForOptions = {},
): ClientsOf<S> {
  const headers: Record<string, string> = { ...options.headers };
  if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
  const transport = createGrpcTransport({
    baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    interceptors: [defaultHeaders(headers)],
  });
  const clients = Object.entries(services).map(([name, service]) => [name, createClient(service, transport)]);
  // Object.fromEntries loses the names' types; each entry is the client of the service of that name.
  return Object.fromEntries(clients) as ClientsOf<S>;
}

function defaultHeaders(headers: Readonly<Record<string, string>>): Interceptor {
  return (next) => (req) => {
    for (const [name, value] of Object.entries(headers))
      if (!req.header.has(name)) req.header.set(name, value);
    return next(req);
  };
}
