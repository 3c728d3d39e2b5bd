import type { Db, RequestIds } from "@atendo/db";
import type { ApiKeyCache } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { ApiKeyIntrospection } from "../auth/api-key-introspection.js";
import type { LocalSuspensions } from "../auth/local-suspensions.js";
import type { Sessions } from "../auth/sessions.js";
import type { SigningKeys } from "../auth/signing-keys.js";
import type { TokenIssuer } from "../auth/token-issuer.js";
import type { GraphDefaults } from "../domain/channel-model.js";
import type { PasswordHasher } from "../domain/password-hasher.js";
import type { SecretBox } from "../domain/secret-box.js";
import type { ServiceCredentials } from "../domain/service-credentials.js";
import type { Mailer } from "../email/mailer.js";
import type { IdentityLookups } from "../store/identity-lookups.js";
import type { LoginAttempts } from "../store/login-attempts.js";
import type { Lookups } from "../store/lookups.js";
import type { SignUpAttempts } from "../store/sign-up-attempts.js";
import type { WindowCounters } from "../store/window-counters.js";
import type { Announce } from "./announce.js";

/** What the RPC handlers need, built by main.ts. */
export interface HandlerDeps {
  db: Db;
  lookups: Lookups;
  identity: IdentityLookups;
  secretBox: SecretBox;
  /** Stores a change's events in the outbox, in the change's transaction. */
  announce: Announce;
  /** The first answers of Creates and actions, per request_id (AIP-155), kept with their change. */
  requestIds: RequestIds;
  graphDefaults: GraphDefaults;
  logger: Logger;
  passwords: PasswordHasher;
  loginAttempts: LoginAttempts;
  signUpAttempts: SignUpAttempts;
  /** Redis counters of other throttles (verification mail). */
  counters: WindowCounters;
  signingKeys: SigningKeys;
  tokens: TokenIssuer;
  sessions: Sessions;
  introspectApiKey: ApiKeyIntrospection;
  /** The interceptor's cache of API keys: a revocation here evicts at once. */
  apiKeys: ApiKeyCache;
  /** The interceptor's suspended tenants: a suspension or reactivation here applies at once. */
  suspendedTenants: LocalSuspensions;
  serviceCredentials: ServiceCredentials;
  /** Invitations and verification links. */
  mailer: Mailer;
  now: () => Date;
}
