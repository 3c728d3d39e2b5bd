// Service variables that only make sense on a developer's machine (and in tests that run the stack
// the same way): every Graph API call goes to the local fake, never to Meta.
import { WIDGET_DEMO_PORT, widgetDemoOrigins } from "./dev-ports.js";
import type { ServiceName } from "./stack.js";

/** The console's local origins: the edge's CORS origins when ATENDO_CORS_ORIGINS is not set. */
export const CONSOLE_ORIGINS: readonly string[] = ["http://localhost:4200", "http://127.0.0.1:4200"];

/**
 * The local edge's CORS origins: ATENDO_CORS_ORIGINS (comma-separated) or the console's, and always
 * the widget demo page's, whose calls through the edge are what the page is for.
 */
export function devCorsOrigins(setting: string | undefined): string[] {
  const chosen = (setting ?? CONSOLE_ORIGINS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return [...new Set([...chosen, ...widgetDemoOrigins(WIDGET_DEMO_PORT)])];
}

export function devExtras(name: ServiceName, graphUrl: string): Record<string, string> {
  // Media downloads reach the local fake (loopback), which the SSRF guard refuses elsewhere.
  if (name === "ingress") return { MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: "true" };
  if (name !== "tenant") return {};
  return {
    // Channels may name their own Graph URL (the seed points the demo channel at the fake)...
    GRAPH_BASE_URL_OVERRIDES: "allow",
    // ...and those that do not still default to the fake.
    WHATSAPP_GRAPH_BASE_URL: graphUrl,
    INSTAGRAM_GRAPH_BASE_URL: graphUrl,
  };
}
