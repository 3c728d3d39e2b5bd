import type { JWTPayload } from "jose";
import { InvalidCredentialsError } from "./auth-errors.js";
import type { TokenPrincipal } from "./principal.js";
import { isRole } from "./principal.js";

/** Header `typ` of each kind of token the tenant service signs (docs/auth.md). */
export const TOKEN_TYPES = { user: "at+jwt", visitor: "visitor+jwt", service: "svc+jwt" } as const;

const SERVICE_SUBJECT = /^service:([a-z][a-z0-9-]{0,62})$/;

// Same normalisation as jose's own typ check (RFC 8725 §3.11: the "application/" prefix may be omitted).
function normalizeTyp(typ: unknown): string | undefined {
  return typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : undefined;
}

function text(payload: JWTPayload, claim: string): string {
  const value = payload[claim];
  if (typeof value !== "string" || value === "") throw new InvalidCredentialsError(`claim ${claim} missing`);
  return value;
}

function optionalFlag(payload: JWTPayload, claim: string): boolean {
  const value = payload[claim];
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new InvalidCredentialsError(`claim ${claim} is not a boolean`);
  return value;
}

function optionalIds(payload: JWTPayload, claim: string): readonly string[] {
  const value = payload[claim];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== "")) {
    throw new InvalidCredentialsError(`claim ${claim} is not a list of ids`);
  }
  return value;
}

/**
 * The principal a verified token stands for, from its header `typ` and claims. Anything that is
 * not exactly one of the documented shapes is invalid: a token is never half trusted.
 */
export function principalFromClaims(typ: unknown, payload: JWTPayload): TokenPrincipal {
  switch (normalizeTyp(typ)) {
    case TOKEN_TYPES.user: {
      const role = payload.role;
      if (!isRole(role)) throw new InvalidCredentialsError("claim role missing or unknown");
      return {
        kind: "user",
        userId: text(payload, "sub"),
        tenantId: text(payload, "tid"),
        role,
        workspaceIds: optionalIds(payload, "ws"),
        platformAdmin: optionalFlag(payload, "padm"),
      };
    }
    case TOKEN_TYPES.visitor:
      return {
        kind: "visitor",
        visitorId: text(payload, "sub"),
        tenantId: text(payload, "tid"),
        workspaceId: text(payload, "wsid"),
        channelId: text(payload, "chid"),
        sessionId: text(payload, "sid"),
        verified: optionalFlag(payload, "ver"),
      };
    case TOKEN_TYPES.service: {
      const match = SERVICE_SUBJECT.exec(text(payload, "sub"));
      if (match?.[1] === undefined) throw new InvalidCredentialsError("sub is not a service");
      return { kind: "service", service: match[1] };
    }
    default:
      throw new InvalidCredentialsError("typ missing or unknown");
  }
}
