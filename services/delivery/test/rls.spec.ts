import { assertTenantTablesSecured, roleFromUrl, runMigrations } from "@atendo/db";
import { testEnv } from "@atendo/testing";
import { migrations } from "../migrations/index.js";

describe("delivery schema security", () => {
  it("puts every tenant table under forced row-level security for a role that owns nothing", async () => {
    const env = testEnv();
    const appUrl = env.appUrl("delivery");
    await runMigrations({
      ownerUrl: env.ownerUrl,
      schema: "delivery",
      appRole: roleFromUrl(appUrl),
      migrations,
    });
    await assertTenantTablesSecured(env.adminUrl, "delivery", { appRole: roleFromUrl(appUrl) });
  });
});
