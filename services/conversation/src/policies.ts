import {
  AnalyticsService,
  ContactService,
  ConversationDirectoryService,
  ConversationService,
  TurnContextService,
} from "@atendo/proto/conversation/v1";
import { definePolicy, type Policy } from "@atendo/service-kit";

// Who may call each RPC of the conversation service (docs/auth.md). Every public RPC names its
// workspace, so the interceptor checks it against the caller before any handler runs: there is no
// list across workspaces for an agent limited to some of them to see more than those.

const byWorkspace = (req: { workspaceId: string }) => req.workspaceId;

const read = { role: "agent", scope: "conversations:read", workspace: byWorkspace } as const;
const write = { role: "agent", scope: "conversations:write", workspace: byWorkspace } as const;

export const conversationPolicy = definePolicy(ConversationService, {
  listConversations: read,
  getConversation: read,
  listMessages: read,
  watchInbox: read,
  listFollowUps: read,
  takeOver: write,
  release: write,
  assign: write,
  resolve: write,
  reopen: write,
  markRead: write,
  scheduleFollowUp: write,
  cancelFollowUp: write,
  sendAgentReply: { role: "agent", scope: "messages:write", workspace: byWorkspace },
});

// Internal: the ai service names the tenant of the turn it is answering; no user or key may.
export const turnContextPolicy = definePolicy(TurnContextService, {
  getTurnContext: { services: ["ai"] },
});

// Internal: ingress opens a widget visitor's conversation at StartSession; the handler checks the
// request's workspace belongs to the tenant it names.
export const conversationDirectoryPolicy = definePolicy(ConversationDirectoryService, {
  openConversation: { services: ["ingress"] },
});

export const contactPolicy = definePolicy(ContactService, {
  listContacts: { role: "agent", scope: "contacts:read", workspace: byWorkspace },
  getContact: { role: "agent", scope: "contacts:read", workspace: byWorkspace },
  updateContact: { role: "agent", scope: "contacts:write", workspace: byWorkspace },
  deleteContact: { role: "admin", scope: "contacts:write", workspace: byWorkspace },
});

export const analyticsPolicy = definePolicy(AnalyticsService, {
  getOverview: { role: "admin", scope: "analytics:read", workspace: byWorkspace },
  getTimeSeries: { role: "admin", scope: "analytics:read", workspace: byWorkspace },
});

/** Every policy of the services this process routes. */
export const POLICIES: readonly Policy[] = [
  conversationPolicy,
  turnContextPolicy,
  conversationDirectoryPolicy,
  contactPolicy,
  analyticsPolicy,
];
