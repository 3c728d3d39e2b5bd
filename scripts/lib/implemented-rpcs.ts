// Which RPCs a service implements: its server's routes, asked with stand-in dependencies (nothing is
// opened or listened on). A method is implemented when the service hands Connect a handler for it;
// the others are routed all the same and answer `unimplemented` past their policy.

import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { SERVICES } from "./stack.js";

/** Any property, call or construction gives itself back; it is never a promise. */
function standIn(): unknown {
  const target = () => undefined;
  const proxy: unknown = new Proxy(target, {
    get: (_t, key) => (key === "then" ? undefined : key === Symbol.toPrimitive ? () => "stand-in" : proxy),
    apply: () => proxy,
    construct: () => proxy as object,
  });
  return proxy;
}

/** What a service's `server.ts` exports: its routes, built from its dependencies. */
export type BuildServer = (deps: never) => { routes(router: ConnectRouter): void };

/** Paths of the Atendo RPCs a server built by `buildServer` hands a handler. */
export function implementedBy(buildServer: BuildServer): Set<string> {
  const out = new Set<string>();
  const router = {
    service(service: DescService, impl: Record<string, unknown>) {
      if (!service.typeName.startsWith("atendo.")) return router;
      for (const m of service.methods) {
        if (typeof impl[m.localName] === "function") out.add(`/${service.typeName}/${m.name}`);
      }
      return router;
    },
    rpc() {
      throw new Error("a server routes single RPCs: teach implemented-rpcs.ts to read them");
    },
    handlers: [],
  };
  buildServer(standIn() as never).routes(router as unknown as ConnectRouter);
  return out;
}

/** Paths (`/atendo.tenant.v1.TenantService/GetTenant`) of every RPC some service implements. */
export async function implementedRpcPaths(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const name of SERVICES) {
    const mod = (await import(`../../services/${name}/src/server.ts`)) as { buildServer: BuildServer };
    for (const path of implementedBy(mod.buildServer)) out.add(path);
  }
  return out;
}
