import type { Bus, Listener } from "@atendo/bus";
import { AssistantConfiguredSchema } from "@atendo/proto/assistant/v1";
import { TenantUpdatedSchema } from "@atendo/proto/tenant/v1";
import type { AssistantConfigs } from "../clients/assistant-configs.js";
import type { PlanLimits } from "../clients/plan-limits.js";

export interface ConfigChangesDeps {
  bus: Pick<Bus, "listen">;
  assistants: Pick<AssistantConfigs, "forgetTenant">;
  limits: Pick<PlanLimits, "forget">;
}

/**
 * Makes this replica forget what it cached of a tenant the moment it changes: its assistants and
 * channel bindings on AssistantConfigured, its plan limits on TenantUpdated. Listeners, not a
 * durable consumer: every replica holds its own copies, so every replica must hear the event. A
 * fresh process caches nothing yet, so nothing is replayed. Returns the listeners (bus.close()
 * stops them too).
 */
export async function listenToConfigChanges(deps: ConfigChangesDeps): Promise<Listener[]> {
  const tenantOf = (metaTenantId: string, eventTenantId: string) => {
    const tenantId = metaTenantId || eventTenantId;
    if (tenantId === "") throw new Error("event without tenant_id");
    return tenantId;
  };
  return [
    await deps.bus.listen({
      schema: AssistantConfiguredSchema,
      handler: (event, ctx) => {
        deps.assistants.forgetTenant(tenantOf(ctx.meta.tenantId, event.assistant?.tenantId ?? ""));
        ctx.logger.debug({}, "assistant configuration changed: cached lookups of the tenant dropped");
      },
    }),
    await deps.bus.listen({
      schema: TenantUpdatedSchema,
      handler: (event, ctx) => {
        deps.limits.forget(tenantOf(ctx.meta.tenantId, event.tenant?.id ?? ""));
        ctx.logger.debug({}, "tenant updated: cached plan limits dropped");
      },
    }),
  ];
}
