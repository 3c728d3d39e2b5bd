import { secret, str } from "./env-var.js";
import { Secret } from "./secret.js";

/**
 * The well-known credential of `service` in local development (NODE_ENV != production), so the
 * tenant service and every other service agree without configuration. Never used in production.
 */
export function devServiceCredential(service: string): string {
  return `dev-service-credential-${service}`;
}

/**
 * The variables of the auth path, next to commonConfigSpec:
 * `readConfig({ ...commonConfigSpec("ai"), ...authConfigSpec("ai") })`.
 * SERVICE_CREDENTIAL defaults to devServiceCredential(service) unless NODE_ENV is production, where
 * a missing one stops the start.
 */
export function authConfigSpec(
  service: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
) {
  const credential = secret(
    `the credential the ${service} service trades for service tokens (TokenService.IssueServiceToken)`,
    { minLength: 16 },
  );
  return {
    SERVICE_CREDENTIAL:
      env.NODE_ENV?.trim() === "production"
        ? credential
        : credential.default(new Secret(devServiceCredential(service))),
    AUTH_ISSUER: str("the issuer (iss) of Atendo tokens").default("atendo"),
  };
}

/** The auth settings, as every service's Config names them. */
export interface AuthConfig {
  /** Traded for service tokens (TokenService.IssueServiceToken). */
  serviceCredential: Secret;
  /** The issuer (iss) of the tokens this service accepts. */
  authIssuer: string;
}

export function authConfigOf(c: { SERVICE_CREDENTIAL: Secret; AUTH_ISSUER: string }): AuthConfig {
  return { serviceCredential: c.SERVICE_CREDENTIAL, authIssuer: c.AUTH_ISSUER };
}
