// A person of the demo, signed up through AuthService.SignUp on the first run and logged in
// (AuthService.Login) on every later one: the seed holds that person's access token, as the console
// would.
import type { AuthService, LoginResponse, SignUpResponse } from "@atendo/proto/tenant/v1";
import type { Client } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { isCode } from "./connect-errors.js";

export interface AccountSpec {
  email: string;
  /** A local password (10..128 characters). */
  password: string;
  name: string;
  /** The tenant SignUp creates for this person. */
  tenantName: string;
  /** Its slug; empty to let the tenant service derive one. */
  tenantSlug: string;
  /** Its first workspace; empty for the service's default. */
  workspaceName: string;
}

export interface AccountSession {
  userId: string;
  tenantId: string;
  accessToken: string;
  /** Set when this call signed the person up (SignUp also made the tenant and its first workspace). */
  signedUp?: { workspaceId: string; tenantSlug: string };
  /** The slug asked for was another tenant's: SignUp let the service derive one instead. */
  slugTaken: boolean;
}

/** A database wiped by hand is the way out; the message says so without printing the password. */
function otherPassword(email: string): Error {
  return new Error(
    `${email} already has an account with another password: log in with that one, or drop the ` +
      "dev database (`atendo`) to start the demo over",
  );
}

function fromSignUp(res: SignUpResponse, slugTaken: boolean): AccountSession {
  const session = {
    userId: res.user?.id ?? "",
    tenantId: res.tenant?.id ?? "",
    accessToken: res.tokens?.accessToken ?? "",
    signedUp: { workspaceId: res.workspace?.id ?? "", tenantSlug: res.tenant?.slug ?? "" },
    slugTaken,
  };
  if (session.userId === "" || session.tenantId === "" || session.accessToken === "") {
    throw new Error("SignUp answered without a user, tenant or access token");
  }
  return session;
}

function fromLogin(res: LoginResponse): AccountSession {
  const session = {
    userId: res.user?.id ?? "",
    tenantId: res.tenantId,
    accessToken: res.tokens?.accessToken ?? "",
    slugTaken: false,
  };
  if (session.userId === "" || session.tenantId === "" || session.accessToken === "") {
    throw new Error("Login answered without a user, tenant or access token");
  }
  return session;
}

/**
 * Signs the person up, or logs them in when the email is taken. When the wanted slug belongs to a
 * tenant of someone else (a dev database from before sign-up existed), it signs up under a derived
 * slug rather than failing.
 */
export async function signUpOrLogIn(
  auth: Client<typeof AuthService>,
  spec: AccountSpec,
): Promise<AccountSession> {
  const signUp = (tenantSlug: string) =>
    auth.signUp({
      email: spec.email,
      password: spec.password,
      name: spec.name,
      tenantName: spec.tenantName,
      tenantSlug,
      workspaceName: spec.workspaceName,
    });
  try {
    return fromSignUp(await signUp(spec.tenantSlug), false);
  } catch (err) {
    // The email or the slug is taken: which one, only a login can tell.
    if (!isCode(err, Code.AlreadyExists)) throw err;
  }
  try {
    return fromLogin(await auth.login({ email: spec.email, password: spec.password }));
  } catch (err) {
    if (!isCode(err, Code.Unauthenticated)) throw err;
    if (spec.tenantSlug === "") throw otherPassword(spec.email);
  }
  try {
    return fromSignUp(await signUp(""), true);
  } catch (err) {
    if (isCode(err, Code.AlreadyExists)) throw otherPassword(spec.email);
    throw err;
  }
}
