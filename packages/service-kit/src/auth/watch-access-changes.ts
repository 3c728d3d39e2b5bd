import type { Bus, Listener } from "@atendo/bus";
import { ApiKeyRevokedSchema, TenantReactivatedSchema, TenantSuspendedSchema } from "@atendo/proto/tenant/v1";
import type { Logger } from "pino";
import type { ApiKeyCache } from "./api-key-cache.js";
import type { SuspendedTenants } from "./suspended-tenants.js";

export interface AccessChangesOptions {
  bus: Pick<Bus, "listen">;
  /** The auth path's caches: `createTenantAuth`'s answer fits as is. */
  auth: { apiKeys: Pick<ApiKeyCache, "evict">; suspendedTenants: SuspendedTenants };
  logger?: Logger;
  /**
   * How far back a starting process replays the tenant events, so it knows the suspensions still in
   * force. Default 30 days: the longest a credential lives (visitor tokens), within what the tenant
   * stream holds.
   */
  replayMs?: number;
  /** Wall clock in ms. */
  now?: () => number;
}

export interface AccessWatch {
  /** Stops listening (bus.close() does too). */
  stop(): Promise<void>;
}

/** The longest credential lifetime (visitor tokens, docs/auth.md). */
export const ACCESS_REPLAY_MS = 30 * 24 * 3_600_000;

const EVENTS = [ApiKeyRevokedSchema, TenantSuspendedSchema, TenantReactivatedSchema] as const;

/**
 * Makes this process hear every access change at once, whichever replica the tenant service's event
 * reaches: `ApiKeyRevoked` evicts the key from the API-key cache, `TenantSuspended` refuses the
 * tenant's credentials until `TenantReactivated`. Resolves once the replay of recent tenant events
 * is done, so call it before the server listens:
 *
 * ```ts
 * await watchAccessChanges({ bus, auth, logger });
 * ```
 */
export async function watchAccessChanges(options: AccessChangesOptions): Promise<AccessWatch> {
  const { apiKeys, suspendedTenants } = options.auth;
  const now = options.now ?? Date.now;
  const replayMs = options.replayMs ?? ACCESS_REPLAY_MS;
  if (!Number.isInteger(replayMs) || replayMs < 0) {
    throw new RangeError(`replayMs must be an integer >= 0, got ${replayMs}`);
  }
  const listener: Listener = await options.bus.listen({
    schema: EVENTS,
    startAt: new Date(now() - replayMs),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    handler: (event, ctx) => {
      switch (event.$typeName) {
        case "atendo.tenant.v1.ApiKeyRevoked":
          if (event.apiKeyId === "") throw new Error("ApiKeyRevoked without api_key_id");
          apiKeys.evict(event.apiKeyId);
          return;
        case "atendo.tenant.v1.TenantSuspended": {
          const tenantId = event.tenantId || ctx.meta.tenantId;
          if (tenantId === "") throw new Error("TenantSuspended without tenant_id");
          suspendedTenants.suspend(tenantId);
          ctx.logger.info({ suspended_tenant_id: tenantId }, "tenant suspended: its credentials are refused");
          return;
        }
        case "atendo.tenant.v1.TenantReactivated": {
          const tenantId = event.tenantId || ctx.meta.tenantId;
          if (tenantId === "") throw new Error("TenantReactivated without tenant_id");
          suspendedTenants.reactivate(tenantId);
          ctx.logger.info(
            { reactivated_tenant_id: tenantId },
            "tenant reactivated: its credentials work again",
          );
          return;
        }
      }
    },
  });
  return { stop: () => listener.stop() };
}
