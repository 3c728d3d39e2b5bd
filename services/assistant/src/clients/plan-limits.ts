import type { TenantService } from "@atendo/proto/tenant/v1";
import { notFound, unavailable } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** A tenant's plan limits, asked of the tenant service on each create (limits change with the plan). */
export interface PlanLimits {
  /** Maximum assistants of the tenant; 0 for no limit. */
  maxAssistants(tenantId: string, options?: CallOptions): Promise<number>;
}

export function createPlanLimits(deps: {
  tenants: Pick<Client<typeof TenantService>, "getTenant">;
}): PlanLimits {
  return {
    async maxAssistants(tenantId, options) {
      try {
        const res = await deps.tenants.getTenant({ tenantId }, options);
        return res.tenant?.limits?.assistants ?? 0;
      } catch (err) {
        const e = ConnectError.from(err);
        if (e.code === Code.NotFound) throw notFound("tenant", tenantId);
        if (e.code === Code.Unavailable || e.code === Code.DeadlineExceeded) {
          throw unavailable("tenant lookup failed; retry later");
        }
        // Refused or malformed: a fault of this service's setup, answered `internal` with a reference.
        throw new Error(`plan limits lookup refused (${Code[e.code]})`, { cause: err });
      }
    },
  };
}
