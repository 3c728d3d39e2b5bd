// Service variables that only make sense on a developer's machine (and in tests that run the stack
// the same way): every Graph API call goes to the local fake, never to Meta.
import type { ServiceName } from "./stack.js";

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
