// Public RPCs that change something yet take no `request_id` (docs/contracts.md, "request_id").
// Every other Create and every non-read custom method must take one. Add an RPC here only with a
// reason why a client's retry cannot duplicate or change what the first call did.
export const REQUEST_ID_EXEMPT: ReadonlySet<string> = new Set([
  // Sessions and tokens: a retry is a new login or session; nothing the client sees is duplicated.
  "atendo.tenant.v1.AuthService.Login",
  "atendo.tenant.v1.AuthService.RefreshToken",
  "atendo.tenant.v1.AuthService.Logout",
  "atendo.ingress.v1.WidgetService.StartSession",
  // The email address is the key: a retried sign-up finds the account it created (and an anonymous
  // caller has no principal to scope a request id to).
  "atendo.tenant.v1.AuthService.SignUp",
  // Computes and stores nothing: a retry returns an equal result.
  "atendo.ai.v1.AiService.Embed",
  // One-time tokens are their own idempotency key.
  "atendo.tenant.v1.AuthService.VerifyEmail",
  "atendo.tenant.v1.TenantService.AcceptInvitation",
  // Mails and test pings, throttled: a second one is harmless.
  "atendo.tenant.v1.AuthService.ResendVerificationEmail",
  "atendo.delivery.v1.WebhookSubscriptionService.TestSubscription",
  // Moves to a named state or a removal: retried, the call finds the state reached and answers the
  // resource as it is (the handler treats "already there" as success).
  "atendo.tenant.v1.TenantService.SuspendTenant",
  "atendo.tenant.v1.TenantService.ReactivateTenant",
  "atendo.tenant.v1.TenantService.RemoveMember",
  "atendo.tenant.v1.ChannelService.DisableChannel",
  "atendo.tenant.v1.ChannelService.EnableChannel",
  "atendo.tenant.v1.ApiKeyService.RevokeApiKey",
  "atendo.conversation.v1.ConversationService.TakeOver",
  "atendo.conversation.v1.ConversationService.Release",
  "atendo.conversation.v1.ConversationService.Assign",
  "atendo.conversation.v1.ConversationService.Resolve",
  "atendo.conversation.v1.ConversationService.Reopen",
  "atendo.conversation.v1.ConversationService.MarkRead",
  "atendo.conversation.v1.ConversationService.CancelFollowUp",
  "atendo.assistant.v1.AssistantService.BindChannel",
  "atendo.assistant.v1.AssistantService.UnbindChannel",
]);
