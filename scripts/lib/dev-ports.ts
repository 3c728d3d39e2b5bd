// The local ports of docs/architecture.md: one place for dev, the edge, tests and the chart's checks.
import type { ServiceName } from "./stack.js";

export const SERVICE_PORTS: Readonly<Record<ServiceName, number>> = {
  tenant: 7101,
  ingress: 7102,
  conversation: 7103,
  assistant: 7104,
  ai: 7105,
  delivery: 7106,
};

export const EDGE_PORT = 7100;
export const FAKE_GRAPH_PORT = 7190;
/** The web-chat widget's demo page (scripts/lib/widget-demo/). */
export const WIDGET_DEMO_PORT = 7180;

/** Base URL of a service on the loopback interface. */
export function localUrl(port: number, host = "127.0.0.1"): string {
  return `http://${host}:${port}`;
}

/** The origins a browser gives a page served on the loopback at `port` (both names of the host). */
export function widgetDemoOrigins(port: number): string[] {
  return [localUrl(port), localUrl(port, "localhost")];
}
