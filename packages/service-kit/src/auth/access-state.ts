import { createContextKey } from "@connectrpc/connect";
import type { WorkspaceDirectory } from "./workspace-directory.js";

/** What the auth interceptor decided, for checks a handler makes later (requireWorkspace). */
export interface AccessState {
  /** The caller passed as a listed service or platform admin: no target restriction. */
  readonly unrestricted: boolean;
  readonly workspaces: WorkspaceDirectory;
}

export const accessStateKey = createContextKey<AccessState | undefined>(undefined, {
  description: "atendo access state",
});
