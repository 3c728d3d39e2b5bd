import { AssistantDirectoryService, AssistantService, KnowledgeService } from "@atendo/proto/assistant/v1";
import { definePolicy, invalidArgument, type Policy } from "@atendo/service-kit";

// Who may call each RPC of the assistant service (docs/auth.md). Every public RPC names its
// workspace, so the interceptor checks it against the caller before a handler runs; handlers then
// look every id up inside the caller's tenant and that workspace. The internal directory admits
// the services that need it, nobody else.

const byWorkspace = (req: { workspaceId: string }) => req.workspaceId;

const assistantsWrite = { role: "admin", scope: "assistants:write", workspace: byWorkspace } as const;
const assistantsRead = { role: "agent", scope: "assistants:read", workspace: byWorkspace } as const;
const knowledgeWrite = { role: "admin", scope: "knowledge:write", workspace: byWorkspace } as const;

export const assistantPolicy = definePolicy(AssistantService, {
  createAssistant: assistantsWrite,
  updateAssistant: assistantsWrite,
  deleteAssistant: assistantsWrite,
  bindChannel: assistantsWrite,
  unbindChannel: assistantsWrite,
  createAction: assistantsWrite,
  updateAction: assistantsWrite,
  deleteAction: assistantsWrite,
  getAssistant: assistantsRead,
  listAssistants: assistantsRead,
  listActions: assistantsRead,
});

export const directoryPolicy = definePolicy(AssistantDirectoryService, {
  // The ai service names the tenant of the turn it is answering.
  getAssistantForChannel: { services: ["ai"] },
});

export const knowledgePolicy = definePolicy(KnowledgeService, {
  createKnowledgeBase: knowledgeWrite,
  deleteKnowledgeBase: knowledgeWrite,
  // A client stream: the interceptor checks its first message, which must be the metadata.
  uploadDocument: {
    ...knowledgeWrite,
    workspace: (req) => {
      if (req.part.case !== "metadata") throw invalidArgument("metadata", "must be the first message");
      return req.part.value.workspaceId;
    },
  },
  addDocumentFromUrl: knowledgeWrite,
  deleteDocument: knowledgeWrite,
  reindexDocument: knowledgeWrite,
  getKnowledgeBase: assistantsRead,
  listKnowledgeBases: assistantsRead,
  listDocuments: assistantsRead,
  getDocument: assistantsRead,
});

/** Every policy of the services this process routes. */
export const POLICIES: readonly Policy[] = [assistantPolicy, knowledgePolicy, directoryPolicy];
