import type { MigrationEntry } from "@atendo/db";
import { Migration20261201000000Initial } from "./20261201000000-initial.js";
import { Migration20261215000000InboxRetention } from "./20261215000000-inbox-retention.js";
import { Migration20261228000000ChannelChanges } from "./20261228000000-channel-changes.js";
import { Migration20261228000100EarlyChangesRetention } from "./20261228000100-early-changes-retention.js";
import { Migration20270105000000EmptyConversationsRetention } from "./20270105000000-empty-conversations-retention.js";

/** In the order they run. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261201000000Initial", class: Migration20261201000000Initial },
  { name: "Migration20261215000000InboxRetention", class: Migration20261215000000InboxRetention },
  { name: "Migration20261228000000ChannelChanges", class: Migration20261228000000ChannelChanges },
  {
    name: "Migration20261228000100EarlyChangesRetention",
    class: Migration20261228000100EarlyChangesRetention,
  },
  {
    name: "Migration20270105000000EmptyConversationsRetention",
    class: Migration20270105000000EmptyConversationsRetention,
  },
];
