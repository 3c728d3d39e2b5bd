import { PROMETHEUS_CONTENT_TYPE, type PrometheusScraper } from "@atendo/telemetry";
import type { Logger } from "pino";
import type { NodeRequest, NodeResponse } from "./node-http.js";
import { pathOf, sendJson, sendText } from "./node-http.js";
import type { ReadinessCheck } from "./readiness.js";
import { runReadiness } from "./readiness.js";

export interface ProbeOptions {
  readiness: readonly ReadinessCheck[];
  timeoutMs: number;
  isShuttingDown: () => boolean;
  /** What `GET /metrics` serves. */
  metrics: PrometheusScraper;
  logger: Logger;
}

/**
 * Kubernetes-style probes: `GET /healthz` says the process is alive, `GET /readyz` runs the
 * readiness checks; `GET /metrics` is the Prometheus scrape. Returns false for any other request.
 */
export function createProbeHandler(options: ProbeOptions): (req: NodeRequest, res: NodeResponse) => boolean {
  const { readiness, timeoutMs, isShuttingDown, metrics, logger } = options;

  const ready = async (res: NodeResponse): Promise<void> => {
    if (isShuttingDown()) {
      sendJson(res, 503, { status: "shutting_down", checks: {}, failing: [] });
      return;
    }
    const report = await runReadiness(readiness, timeoutMs);
    if (!report.ready) logger.warn({ failing: report.failing, checks: report.checks }, "not ready");
    sendJson(res, report.ready ? 200 : 503, {
      status: report.ready ? "ready" : "not_ready",
      checks: report.checks,
      failing: report.failing,
    });
  };

  // Served while shutting down too: the last scrape shows how the process drained.
  const scrape = async (res: NodeResponse): Promise<void> => {
    const { text, errors } = await metrics.scrape();
    if (errors.length > 0)
      logger.warn({ err: errors[0], failed: errors.length }, "some metrics could not be read");
    sendText(res, 200, text, PROMETHEUS_CONTENT_TYPE);
  };

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = pathOf(req);
    if (path === "/healthz") {
      sendText(res, 200, "ok");
      return true;
    }
    if (path === "/readyz") {
      ready(res).catch((e: unknown) => {
        logger.error({ err: e }, "readiness probe failed");
        sendText(res, 500, "readiness probe failed");
      });
      return true;
    }
    if (path === "/metrics") {
      scrape(res).catch((e: unknown) => {
        logger.error({ err: e }, "metrics scrape failed");
        sendText(res, 500, "metrics scrape failed");
      });
      return true;
    }
    return false;
  };
}
