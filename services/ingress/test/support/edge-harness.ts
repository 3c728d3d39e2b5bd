import { createEdge } from "../../../../scripts/lib/edge.js";
import { type Harness, startHarness } from "./harness.js";

export interface EdgeHarness {
  h: Harness;
  /** The local edge in front of this ingress, as a browser reaches it. */
  edgeUrl: string;
  stop(): Promise<void>;
}

/**
 * Ingress behind the local edge, whose CORS origins are the console's only: the widget's paths must
 * still answer any site.
 */
export async function startEdgeHarness(): Promise<EdgeHarness> {
  const h = await startHarness();
  const edge = createEdge({ upstreams: { ingress: h.ingressUrl }, corsOrigins: ["http://localhost:4200"] });
  const edgeUrl = `http://127.0.0.1:${await edge.listen(0)}`;
  return {
    h,
    edgeUrl,
    async stop() {
      await edge.close(100);
      await h.stop();
    },
  };
}
