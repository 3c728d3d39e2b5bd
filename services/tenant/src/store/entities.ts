import { ApiKeyEntity } from "./api-key-entity.js";
import { AuditEntity } from "./audit-entity.js";
import { ChannelEntity } from "./channel-entity.js";
import { EmailVerificationEntity } from "./email-verification-entity.js";
import { InvitationEntity } from "./invitation-entity.js";
import { MembershipEntity } from "./membership-entity.js";
import { RefreshTokenEntity } from "./refresh-token-entity.js";
import { SigningKeyEntity } from "./signing-key-entity.js";
import { TenantEntity } from "./tenant-entity.js";
import { UserEntity } from "./user-entity.js";
import { WorkspaceEntity } from "./workspace-entity.js";

export const ENTITIES = [
  TenantEntity,
  WorkspaceEntity,
  ChannelEntity,
  UserEntity,
  EmailVerificationEntity,
  MembershipEntity,
  InvitationEntity,
  RefreshTokenEntity,
  ApiKeyEntity,
  SigningKeyEntity,
  AuditEntity,
];
