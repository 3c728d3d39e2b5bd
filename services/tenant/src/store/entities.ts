import { ApiKeyRow } from "./api-key-row.js";
import { AuditRow } from "./audit-row.js";
import { ChannelRow } from "./channel-row.js";
import { EmailVerificationRow } from "./email-verification-row.js";
import { InvitationRow } from "./invitation-row.js";
import { MembershipRow } from "./membership-row.js";
import { RefreshTokenRow } from "./refresh-token-row.js";
import { SigningKeyRow } from "./signing-key-row.js";
import { TenantRow } from "./tenant-row.js";
import { UserRow } from "./user-row.js";
import { WorkspaceRow } from "./workspace-row.js";

export const ENTITIES = [
  TenantRow,
  WorkspaceRow,
  ChannelRow,
  UserRow,
  EmailVerificationRow,
  MembershipRow,
  InvitationRow,
  RefreshTokenRow,
  ApiKeyRow,
  SigningKeyRow,
  AuditRow,
];
