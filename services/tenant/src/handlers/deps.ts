import type { Db } from "@atendo/db";
import type { Logger } from "@atendo/telemetry";
import type { GraphDefaults } from "../domain/channel-model.js";
import type { SecretBox } from "../domain/secret-box.js";
import type { Lookups } from "../store/lookups.js";
import type { PublishEvents } from "./publish-events.js";

/** What the RPC handlers need, built by main.ts. */
export interface HandlerDeps {
  db: Db;
  lookups: Lookups;
  secretBox: SecretBox;
  publish: PublishEvents;
  graphDefaults: GraphDefaults;
  logger: Logger;
}
