import type { MemberRole, Plan, PlanLimits, PlanLimitsSchema, TokenPair } from "@atendo/proto/tenant/v1";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Mailbox } from "../mail/mailbox.js";

/** Makes the clients that call with `credential` (with no credential when undefined). */
export type ClientFactory<C> = (credential: string | undefined) => C;

/** Anyone holding an access token: what the kit needs to act on their behalf. */
export interface Caller {
  accessToken: string;
}

/** A user of a tenant: an owner or admin can invite into it. */
export interface TenantCaller extends Caller {
  tenantId: string;
}

/** A user acting in one workspace: an owner or admin there can create its channels. */
export interface WorkspaceCaller extends Caller {
  workspaceId: string;
}

/** A signed-in user of a tenant and clients that call as them. */
export interface Person<C> extends TenantCaller {
  email: string;
  password: string;
  userId: string;
  tokens: TokenPair;
  /** The credential `clients` send: `tokens.accessToken`. */
  accessToken: string;
  clients: C;
}

/** The owner of a new tenant, in its first workspace. */
export interface Owner<C> extends Person<C> {
  tenantSlug: string;
  workspaceId: string;
}

/** An API key of one workspace: the full key (shown once) and clients that send it. */
export interface IssuedApiKey<C> {
  id: string;
  workspaceId: string;
  scopes: string[];
  secret: string;
  clients: C;
}

export interface SignUpOptions {
  /** Default: a unique address. */
  email?: string;
  /** Default: a random password. */
  password?: string;
  /** The owner's name; default "Olivia Owner". */
  name?: string;
  /** Default "Padaria Central". */
  tenantName?: string;
  /** Default: a unique slug. */
  tenantSlug?: string;
  /** Set by the platform admin after the sign-up (which makes a FREE tenant). */
  plan?: Plan;
  /**
   * Open the verification link the sign-up mailed (default true): unverified owners cannot invite,
   * create API keys or connect channels.
   */
  verify?: boolean;
}

export type PlanLimitsInit = MessageInitShape<typeof PlanLimitsSchema>;

export interface IdentityKitOptions {
  /** Where the tenant service answers gRPC. */
  tenantUrl: string;
  /**
   * The platform admin of that tenant service (an address of its PLATFORM_ADMIN_EMAILS), signed up on
   * first use, or logged in when already signed up (give the password for that).
   */
  platformAdmin?: { email: string; password?: string };
  /** Headers of every call the kit makes (e.g. the client address the tenant service sees). */
  headers?: Readonly<Record<string, string>>;
  /**
   * Where the kit reads the links the tenant service mails (verification, invitations). Default:
   * its development mailbox (`GET <tenantUrl>/dev/mailbox`, development without SMTP_URL).
   */
  mailbox?: Mailbox;
}

/** Identities issued by the real tenant service over its RPCs, each with clients that call as it. */
export interface IdentityKit<C> {
  /**
   * A new tenant, its owner (email verified through the mailed link unless `verify: false`) and its
   * first workspace (FREE unless `plan` says otherwise).
   */
  signUpOwner(options?: SignUpOptions): Promise<Owner<C>>;
  /**
   * A new user invited by `inviter` (an owner or admin) with `role` (default agent), limited to
   * `workspaceIds` (empty: every workspace), who accepted the mailed link and is signed in.
   */
  addMember(
    inviter: TenantCaller,
    role?: MemberRole,
    workspaceIds?: readonly string[],
    options?: { name?: string },
  ): Promise<Person<C>>;
  /** Another workspace of the owner's tenant (the plan must allow it): the same owner, placed there. */
  addWorkspace<P extends TenantCaller>(
    owner: P,
    options?: { name?: string; defaultLanguage?: string },
  ): Promise<P & { workspaceId: string }>;
  /** A new API key of `workspaceId` holding `scopes`, created by an owner or admin. */
  createApiKey(
    creator: Caller,
    workspaceId: string,
    scopes: readonly string[],
    options?: { name?: string },
  ): Promise<IssuedApiKey<C>>;
  /** A web-chat channel (the simplest channel there is) of the creator's workspace; returns its id. */
  createWebChannel(creator: WorkspaceCaller, allowedOrigins?: readonly string[]): Promise<string>;
  /** A service token of `service`, traded for its credential (default: its development credential). */
  serviceToken(service: string, credential?: string): Promise<string>;
  /** Clients calling with a fresh service token of `service`. */
  asService(service: string): Promise<C>;
  /**
   * The platform admin (see `IdentityKitOptions.platformAdmin`), signed in once per kit: signed up
   * and verified through the mailed link on first use (a listed address counts once proved).
   */
  platformAdmin(): Promise<Person<C>>;
  /** Moves the tenant to `plan`, as the platform admin. */
  setPlan(tenantId: string, plan: Plan): Promise<void>;
  /** Replaces the tenant's limits (0: no limit), as the platform admin; returns what the tenant now has. */
  setLimits(tenantId: string, limits: PlanLimitsInit): Promise<PlanLimits>;
  /** Room for tests that need more than FREE allows: 10 workspaces, channels and assistants, 20 members. */
  raiseLimits(tenantId: string): Promise<void>;
  /** Opens the newest verification link mailed to `email` (AuthService.VerifyEmail). */
  verifyEmail(email: string): Promise<void>;
}
