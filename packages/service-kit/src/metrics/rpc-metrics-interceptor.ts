import { Health } from "@atendo/proto/health/v1";
import type { Interceptor } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import type { MeterProvider } from "@opentelemetry/api";
import { createCallEndInterceptor } from "../server/call-end.js";
import { codeName } from "../server/code-name.js";

// Seconds; RPCs here range from sub-millisecond cache hits to multi-second model calls.
const RPC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Counts every RPC by RPC service, method and Connect code, and records its duration (until the
 * last message of a stream: a stream counts once). Health checks are probes, not traffic: skipped.
 * Labels come from the routed method, never from the raw path, so they stay bounded.
 */
export function createRpcMetricsInterceptor(meterProvider: MeterProvider): Interceptor {
  const meter = meterProvider.getMeter("@atendo/service-kit");
  const requests = meter.createCounter("atendo.rpc.requests", {
    description: "RPCs served, by RPC service, method and Connect code (health checks excluded)",
  });
  const duration = meter.createHistogram("atendo.rpc.duration_seconds", {
    description: "Time from a call's arrival to its answer (a stream's end), by RPC service, method and code",
    unit: "s",
    advice: { explicitBucketBoundaries: RPC_BUCKETS },
  });

  return createCallEndInterceptor((req) => {
    if (req.service.typeName === Health.typeName) return () => {};
    const started = performance.now();
    return (error) => {
      const attributes = {
        "rpc.service": req.service.typeName,
        "rpc.method": req.method.name,
        "rpc.code": error === undefined ? "ok" : codeName(ConnectError.from(error).code),
      };
      requests.add(1, attributes);
      duration.record((performance.now() - started) / 1000, attributes);
    };
  });
}
