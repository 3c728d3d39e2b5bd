import type { ChannelRecord } from "./channel-model.js";
import type { RoleName } from "./roles.js";
import type { TenantRecord, WorkspaceRecord } from "./tenant-model.js";

// What the audit log keeps of each object: settings and hints, never a secret or a token.

export const tenantSummary = (t: TenantRecord) => ({
  name: t.name,
  slug: t.slug,
  plan: t.plan,
  status: t.status,
  status_reason: t.statusReason,
  limits: t.limits ?? null,
});

export const workspaceSummary = (w: WorkspaceRecord) => ({
  name: w.name,
  time_zone: w.timeZone,
  default_language: w.defaultLanguage,
});

/** The channel's config holds public settings and secret hints only (channel-model.ts). */
export const channelSummary = (c: ChannelRecord) => ({
  name: c.name,
  type: c.type,
  status: c.status,
  status_reason: c.statusReason,
  config: { ...c.config },
});

export const memberSummary = (m: { email: string; role: RoleName; workspaceIds: readonly string[] }) => ({
  email: m.email,
  role: m.role,
  workspace_ids: [...m.workspaceIds],
});

export const invitationSummary = (i: {
  email: string;
  role: RoleName;
  workspaceIds: readonly string[];
  expiresAt: Date;
  revokedAt?: Date | null | undefined;
}) => ({
  email: i.email,
  role: i.role,
  workspace_ids: [...i.workspaceIds],
  expires_at: i.expiresAt.toISOString(),
  ...(i.revokedAt ? { revoked_at: i.revokedAt.toISOString() } : {}),
});

export const apiKeySummary = (k: {
  name: string;
  prefix: string;
  scopes: readonly string[];
  expiresAt: Date | null | undefined;
  revokedAt: Date | null | undefined;
}) => ({
  name: k.name,
  prefix: k.prefix,
  scopes: [...k.scopes],
  expires_at: k.expiresAt?.toISOString() ?? null,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});
