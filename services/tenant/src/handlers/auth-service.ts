import type { AuthService } from "@atendo/proto/tenant/v1";
import type { ServiceImpl } from "@connectrpc/connect";
import { createCurrentUser } from "./auth-current-user.js";
import { createLogin } from "./auth-login.js";
import { createRefresh } from "./auth-refresh.js";
import { createSignUp } from "./auth-sign-up.js";
import { createSigningKeyRotation } from "./auth-signing-keys.js";
import { createVerification } from "./auth-verification.js";
import type { HandlerDeps } from "./deps.js";

/** AuthService: sign-up, email verification, login and sessions, signing-key rotation. */
export function createAuthService(deps: HandlerDeps): ServiceImpl<typeof AuthService> {
  return {
    ...createSignUp(deps),
    ...createVerification(deps),
    ...createLogin(deps),
    ...createRefresh(deps),
    ...createCurrentUser(deps),
    ...createSigningKeyRotation(deps),
  };
}
