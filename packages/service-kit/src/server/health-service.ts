import type { HealthCheckResponse } from "@atendo/proto/health/v1";
import {
  type Health,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@atendo/proto/health/v1";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HealthState } from "./health-state.js";

const response = (status: ServingStatus): HealthCheckResponse =>
  create(HealthCheckResponseSchema, { status });

/**
 * Sends the current status, then every change, until the call ends. Statuses are coalesced: a slow
 * watcher gets the latest one, which is what a health watcher needs.
 */
async function* watchStatus(
  state: HealthState,
  service: string,
  ctx: HandlerContext,
): AsyncGenerator<HealthCheckResponse> {
  let wake: (() => void) | undefined;
  let changed = false;
  const unsubscribe = state.subscribe(service, () => {
    changed = true;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  ctx.signal.addEventListener("abort", onAbort);
  try {
    let last = state.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    yield response(last);
    while (!ctx.signal.aborted) {
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      changed = false;
      const current = state.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
      if (current !== last) {
        last = current;
        yield response(current);
      }
    }
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/** grpc.health.v1.Health over `state` (Check, Watch and List). */
export function createHealthService(state: HealthState): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = state.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return response(status);
    },
    watch(req, ctx) {
      return watchStatus(state, req.service, ctx);
    },
    list() {
      return create(HealthListResponseSchema, {
        statuses: Object.fromEntries([...state.entries()].map(([name, status]) => [name, response(status)])),
      });
    },
  };
}
