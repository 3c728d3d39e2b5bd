import { Health } from "@atendo/proto/health/v1";
import { definePolicy } from "./policy.js";

/** Probes (kubelet, load balancers, the edge) carry no credentials. */
export const healthPolicy = definePolicy(Health, {
  check: { public: true },
  watch: { public: true },
  list: { public: true },
});
