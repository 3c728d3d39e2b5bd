import {
  type Invitation,
  InvitationSchema,
  type Member,
  MemberSchema,
  type User,
  UserSchema,
} from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type RoleName, roleToProto } from "./roles.js";

export function userView(u: {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  lastLoginAt: Date | null | undefined;
  emailVerifiedAt: Date | null | undefined;
}): User {
  return create(UserSchema, {
    id: u.id,
    email: u.email,
    name: u.name,
    emailVerified: u.emailVerifiedAt != null,
    createdAt: timestampFromDate(u.createdAt),
    ...(u.lastLoginAt == null ? {} : { lastLoginAt: timestampFromDate(u.lastLoginAt) }),
  });
}

export function memberView(m: {
  userId: string;
  tenantId: string;
  email: string;
  name: string;
  role: RoleName;
  workspaceIds: readonly string[];
  joinedAt: Date;
  lastLoginAt: Date | null | undefined;
}): Member {
  return create(MemberSchema, {
    userId: m.userId,
    tenantId: m.tenantId,
    email: m.email,
    name: m.name,
    role: roleToProto(m.role),
    workspaceIds: [...m.workspaceIds],
    joinedAt: timestampFromDate(m.joinedAt),
    ...(m.lastLoginAt == null ? {} : { lastLoginAt: timestampFromDate(m.lastLoginAt) }),
  });
}

export function invitationView(i: {
  id: string;
  tenantId: string;
  email: string;
  role: RoleName;
  workspaceIds: readonly string[];
  invitedBy: string | null | undefined;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null | undefined;
}): Invitation {
  return create(InvitationSchema, {
    id: i.id,
    tenantId: i.tenantId,
    email: i.email,
    role: roleToProto(i.role),
    workspaceIds: [...i.workspaceIds],
    invitedByUserId: i.invitedBy ?? "",
    createdAt: timestampFromDate(i.createdAt),
    expiresAt: timestampFromDate(i.expiresAt),
    ...(i.acceptedAt == null ? {} : { acceptedAt: timestampFromDate(i.acceptedAt) }),
  });
}
