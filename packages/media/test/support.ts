import { randomBytes } from "node:crypto";
import { createDb, type Db, Migration, runMigrations } from "@atendo/db";
import { createLogger } from "@atendo/telemetry";
import { adminQuery, testEnv } from "@atendo/testing";
import { mediaObjectsTableSql } from "../src/index.js";

const logger = createLogger({ service: "media-test", level: "error" });

/** A schema of its own with the Postgres adapter's table, reached as the shared packages' app role. */
export async function startMediaSchema(): Promise<{ db: Db; schema: string; stop(): Promise<void> }> {
  const env = testEnv();
  const schema = `media_${randomBytes(4).toString("hex")}`;
  class MediaObjects extends Migration {
    override async up(): Promise<void> {
      for (const sql of mediaObjectsTableSql(schema)) this.addSql(sql);
    }
  }
  await runMigrations({
    ownerUrl: env.ownerUrl,
    schema,
    appRole: "atendo_testkit",
    migrations: [{ name: "Migration_media_objects", class: MediaObjects }],
    logger,
  });
  const db = await createDb({ url: env.appUrl("testkit"), schema, entities: [], logger });
  return {
    db,
    schema,
    async stop() {
      await db.close();
      await adminQuery(`drop schema if exists ${schema} cascade`, [], env.ownerUrl);
    },
  };
}
