import type { Db, RequestIds } from "@atendo/db";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import type { PlanLimits } from "../clients/plan-limits.js";
import type { WorkspaceSettings } from "../clients/workspace-settings.js";
import type { AssistantRepository } from "../store/assistant-repository.js";
import type { Announce } from "./announce.js";

/** What the AssistantService handlers need. */
export interface AssistantServiceDeps {
  db: Db;
  repo: AssistantRepository;
  limits: PlanLimits;
  workspaces: WorkspaceSettings;
  channels: ChannelDirectory;
  announce: Announce;
  /** Retried creates and binds (AIP-155) get their first response back. */
  requestIds: RequestIds;
}
