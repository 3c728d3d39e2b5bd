import type { Bus } from "@atendo/bus";
import type { Db, Outbox } from "@atendo/db";
import type { ConversationDirectoryService } from "@atendo/proto/conversation/v1";
import type { ChannelDirectoryService, TokenService } from "@atendo/proto/tenant/v1";
import type { TokenVerifier } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { Client } from "@connectrpc/connect";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import type { WidgetUploadDeps } from "./upload-deps.js";
import type { WidgetHub } from "./widget-hub.js";
import type { WidgetLimiter } from "./widget-limiter.js";
import type { WidgetStore } from "./widget-store.js";

/** What the WidgetService handlers need. */
export interface WidgetDeps {
  db: Db;
  store: WidgetStore;
  hub: WidgetHub;
  limiter: WidgetLimiter;
  /** Encodes the MessageReceived of a visitor message into the outbox, in the message's transaction. */
  outbox: Outbox;
  bus: Pick<Bus, "encode">;
  /** ResolveChannel by site key (StartSession), as ingress itself. */
  siteKeys: Pick<Client<typeof ChannelDirectoryService>, "resolveChannel">;
  /** The channel of a visitor token (is it still active?). */
  channels: Pick<ChannelDirectory, "resolve">;
  /** OpenConversation at the conversation service (StartSession), as ingress itself. */
  conversations: Pick<Client<typeof ConversationDirectoryService>, "openConversation">;
  /** IssueVisitorToken at the tenant service, as ingress itself. */
  tokens: Pick<Client<typeof TokenService>, "issueVisitorToken">;
  /** Checks a resume token (the same keys as every Atendo token). */
  verifier: TokenVerifier;
  /** A stream sends a heartbeat after this long without anything else. */
  heartbeatMs: number;
  logger: Logger;
  /** Attachments: the media store, limits and signed URLs (CreateUpload, the PUT, SendAttachment). */
  uploads: WidgetUploadDeps;
}
