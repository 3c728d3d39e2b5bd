// Every RPC of the contracts with what the edge needs to know about it: which service (domain)
// serves it, and whether it is public or internal. Internal RPCs live in services of their own,
// marked `option (atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL;`, so the edge
// denies them by service; such services have no google.api.http rule and never appear in OpenAPI
// or an SDK (docs/contracts.md).
import { ServiceVisibility, service as serviceOptions } from "@atendo/proto/common/v1";
import { http } from "@atendo/proto/google/api";
import { registry as atendoRegistry } from "@atendo/proto/registry";
import type { DescMethod, DescService, Registry } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";

export interface RpcInfo {
  /** `/atendo.tenant.v1.TenantService/GetTenant` */
  path: string;
  /** `atendo.tenant.v1.TenantService` */
  service: string;
  method: string;
  /** `tenant`: the service that serves it. */
  domain: string;
  /** Routed at the edge: in a public service and with a google.api.http rule. */
  public: boolean;
  /** Its service is marked internal: services call it, never clients. */
  internalService: boolean;
  methodKind: DescMethod["methodKind"];
  /** Declared `idempotency_level = NO_SIDE_EFFECTS`: safe to retry. */
  readOnly: boolean;
  /** The REST verb and path template of a public RPC, e.g. `GET /v1/tenants/{tenant_id}`. */
  rest?: string;
}

const ATENDO_SERVICE = /^atendo\.([a-z][a-z0-9_]*)\.v1\.[A-Za-z0-9_]+$/;

/** Whether a service is marked `(atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL`. */
export function isInternalService(service: DescService): boolean {
  return (
    hasOption(service, serviceOptions) &&
    getOption(service, serviceOptions).visibility === ServiceVisibility.INTERNAL
  );
}

function restOf(method: DescMethod): string | undefined {
  if (!hasOption(method, http)) return undefined;
  const rule = getOption(method, http);
  const { case: verb, value } = rule.pattern;
  if (verb === undefined) return undefined;
  if (verb === "custom") return `${value.kind} ${value.path}`;
  return `${verb.toUpperCase()} ${value}`;
}

/** The Atendo services of a registry (default: every generated contract). */
export function atendoServices(registry: Registry = atendoRegistry): DescService[] {
  const out: DescService[] = [];
  for (const t of registry) if (t.kind === "service" && ATENDO_SERVICE.test(t.typeName)) out.push(t);
  return out.sort((a, b) => a.typeName.localeCompare(b.typeName));
}

export function rpcCatalog(registry: Registry = atendoRegistry): RpcInfo[] {
  const out: RpcInfo[] = [];
  for (const service of atendoServices(registry)) {
    const domain = ATENDO_SERVICE.exec(service.typeName)?.[1] ?? "";
    for (const method of service.methods) {
      const rest = restOf(method);
      const internalService = isInternalService(service);
      out.push({
        path: `/${service.typeName}/${method.name}`,
        service: service.typeName,
        method: method.name,
        domain,
        // A method without a rule in a public service is unrouted too: the contract rules refuse it.
        public: !internalService && rest !== undefined,
        internalService,
        methodKind: method.methodKind,
        readOnly: method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
        ...(rest === undefined ? {} : { rest }),
      });
    }
  }
  return out;
}

/** Paths of the RPCs that must never be reachable from outside. */
export function internalRpcPaths(registry: Registry = atendoRegistry): Set<string> {
  return new Set(
    rpcCatalog(registry)
      .filter((r) => !r.public)
      .map((r) => r.path),
  );
}

/** The internal services of a registry (full names), denied whole at the edge. */
export function internalServiceNames(registry: Registry = atendoRegistry): Set<string> {
  return new Set(
    atendoServices(registry)
      .filter(isInternalService)
      .map((s) => s.typeName),
  );
}

/** `/atendo.tenant.v1.TenantService/GetTenant` -> `atendo.tenant.v1.TenantService`. */
export function serviceOfRpcPath(path: string): string | undefined {
  return /^\/([A-Za-z0-9_.]+)\/[A-Za-z0-9_]+$/.exec(path)?.[1];
}

/** `/atendo.<domain>.v1.<Service>/<Method>` -> domain; undefined for anything else. */
export function domainOfRpcPath(path: string): string | undefined {
  const m = /^\/atendo\.([a-z][a-z0-9_]*)\.v1\.[A-Za-z0-9_]+\/[A-Za-z0-9_]+$/.exec(path);
  return m?.[1];
}

/** Paths of the RPCs whose request is a stream of messages (client or bidirectional streaming). */
export function clientStreamingRpcPaths(registry: Registry = atendoRegistry): Set<string> {
  return new Set(
    rpcCatalog(registry)
      .filter((r) => r.methodKind === "client_streaming" || r.methodKind === "bidi_streaming")
      .map((r) => r.path),
  );
}
