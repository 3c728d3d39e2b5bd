import { ChannelRow } from "./channel-row.js";
import { TenantRow } from "./tenant-row.js";
import { WorkspaceRow } from "./workspace-row.js";

export const ENTITIES = [TenantRow, WorkspaceRow, ChannelRow];
