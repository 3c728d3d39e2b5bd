/** Kinds of actor, named as the PrincipalKind enum. */
export type ActorKind = "USER" | "API_KEY" | "VISITOR" | "PLATFORM_ADMIN" | "SYSTEM";

export interface AuditActor {
  kind: ActorKind;
  /** User id, API key id, visitor id; "" for the platform and services. */
  id: string;
  /** Email of a user, name of a key or service, at the time of the action. */
  name: string;
}

/** One change to record: what, on which object, and JSON summaries without secrets. */
export interface AuditChange {
  /** `<object>.<verb>`, e.g. "member.role_update". */
  action: string;
  targetType: string;
  targetId: string;
  workspaceId?: string | undefined;
  /** Summary before the change; undefined for creations. */
  before?: unknown;
  /** Summary after the change; undefined for deletions. */
  after?: unknown;
}

/** Who or what did it, where, and in which request or event chain. */
export interface AuditContext {
  tenantId: string;
  actor: AuditActor;
  correlationId: string;
}
