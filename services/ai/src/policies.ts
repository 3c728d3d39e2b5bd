import { AiService } from "@atendo/proto/ai/v1";
import { definePolicy, type Policy } from "@atendo/service-kit";

// Who may call each RPC of the ai service (docs/auth.md). Every RPC names its workspace, so the
// interceptor checks it against the caller before a handler runs.

const byWorkspace = (req: { workspaceId: string }) => req.workspaceId;

export const aiPolicy = definePolicy(AiService, {
  generateReply: { role: "admin", scope: "assistants:write", workspace: byWorkspace },
  testAssistant: { role: "admin", scope: "assistants:write", workspace: byWorkspace },
  embed: { role: "admin", scope: "knowledge:write", workspace: byWorkspace },
  searchKnowledge: { role: "agent", scope: "assistants:read", workspace: byWorkspace },
  interpretMedia: { role: "agent", scope: "conversations:read", workspace: byWorkspace },
  getUsage: { role: "admin", scope: "analytics:read", workspace: byWorkspace },
});

/** Every policy of the services this process routes. */
export const POLICIES: readonly Policy[] = [aiPolicy];
