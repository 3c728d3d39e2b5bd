import type { HealthCheckResponse_ServingStatus as ServingStatus } from "@atendo/proto/health/v1";

type Listener = (status: ServingStatus) => void;

/**
 * Serving status per service name ("" is the whole server), as reported by grpc.health.v1.Health.
 */
export interface HealthState {
  /** undefined when the service is unknown. */
  get(service: string): ServingStatus | undefined;
  set(service: string, status: ServingStatus): void;
  /** Marks every known service (and "") at once, e.g. NOT_SERVING when shutting down. */
  setAll(status: ServingStatus): void;
  entries(): ReadonlyMap<string, ServingStatus>;
  /** Calls `listener` on every change of `service`; returns the unsubscribe function. */
  subscribe(service: string, listener: Listener): () => void;
}

export function createHealthState(): HealthState {
  const statuses = new Map<string, ServingStatus>();
  const listeners = new Map<string, Set<Listener>>();

  const set = (service: string, status: ServingStatus): void => {
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    for (const listener of listeners.get(service) ?? []) listener(status);
  };

  return {
    get: (service) => statuses.get(service),
    set,
    setAll(status) {
      for (const service of [...statuses.keys()]) set(service, status);
    },
    entries: () => statuses,
    subscribe(service, listener) {
      let set = listeners.get(service);
      if (set === undefined) {
        set = new Set();
        listeners.set(service, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
}
