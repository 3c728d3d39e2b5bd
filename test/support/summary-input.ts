// What the dev summary's unit specs print from: the demo seed with fixed ids, and the two webhook
// bodies written where `npm run dev` writes them, in a folder of the spec's own.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DevSummaryInput } from "../../scripts/lib/dev-summary.js";
import { DEMO } from "../../scripts/lib/seed.js";

export function summaryInput(root: string, bodies: { whatsapp: Buffer; instagram: Buffer }): DevSummaryInput {
  mkdirSync(join(root, ".local", "dev"), { recursive: true });
  writeFileSync(join(root, ".local", "dev", "whatsapp-demo.json"), bodies.whatsapp);
  writeFileSync(join(root, ".local", "dev", "instagram-demo.json"), bodies.instagram);
  return {
    root,
    edgeUrl: "http://127.0.0.1:7100",
    graphUrl: "http://127.0.0.1:7190",
    services: [{ name: "tenant", url: "http://127.0.0.1:7101" }],
    webhookFile: ".local/dev/whatsapp-demo.json",
    instagramWebhookFile: ".local/dev/instagram-demo.json",
    widgetPageUrl: "http://127.0.0.1:7180/",
    seed: {
      spec: { ...DEMO },
      slug: "demo",
      tenantId: "t-1",
      workspaceId: "0193a5b0-0000-7000-8000-00000000a0a1",
      channelId: "0193a5b0-0000-7000-8000-00000000c4a1",
      instagramChannelId: "0193a5b0-0000-7000-8000-00000000c4a2",
      webChannelId: "0193a5b0-0000-7000-8000-00000000c4a3",
      siteKey: "pk_Demo0000Site0000Key",
      assistantId: "a-1",
      ownerAccessToken: "owner.jwt.token",
      adminAccessToken: "admin.jwt.token",
      platformAdmin: true,
      changed: [],
      warnings: [],
    },
  };
}
