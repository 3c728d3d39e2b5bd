import { assertIdentifier } from "./identifiers.js";

/** The login role of a postgres:// URL, e.g. the service role from its DATABASE_URL. */
export function roleFromUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL carries a password: never echo it.
    throw new Error("invalid database URL: cannot parse it");
  }
  const role = decodeURIComponent(parsed.username);
  if (role === "") throw new Error("invalid database URL: it names no user");
  assertIdentifier("role", role);
  return role;
}
